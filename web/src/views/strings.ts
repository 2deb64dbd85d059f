// Every string the views show, in English and Bahasa Indonesia. Keys are prefixed by view.

/** Looks a key up in the page's current language. */
export type Translate = (key: string) => string;

/** Fills `{name}` placeholders (the page's `t` leaves them when given no values). */
export function fill(template: string, values: Record<string, string | number>): string {
  return template.replace(/\{(\w+)\}/g, (whole, name: string) => String(values[name] ?? whole));
}

const en: Record<string, string> = {
  'head.layer': 'Layer',
  'head.head': 'Head',
  'head.hint': 'Hover a token to see only its attention. Click a coloured square to show or hide a head; double-click to show only that head.',
  'head.toggleHelp': 'click to show or hide, double-click to show only this head',
  'head.from': 'From (query)',
  'head.to': 'To (key)',
  'head.sentenceA': 'sentence A',
  'head.sentenceB': 'sentence B',
  'head.shown': 'Heads shown: {heads}',
  'head.noHeads': 'No head is shown: click a coloured square above.',
  'head.weightsOne': 'Attention weights of head {head}.',
  'head.weightsMean': 'Attention weights: mean over the {count} heads shown.',

  'model.hint': 'Every layer (rows) and head (columns). Click a thumbnail to enlarge it.',
  'model.layerAbbr': 'L',
  'model.headAbbr': 'H',

  'matrix.layer': 'Layer',
  'matrix.head': 'Head',
  'matrix.keys': 'Keys (attended to)',
  'matrix.queries': 'Queries (attending)',
  'matrix.legend': 'Attention weight',

  'hidden.layerN': 'layer',
  'hidden.embeddingOutput': 'embedding output (layer 0)',
  'hidden.vectorsTitle': 'Token vectors',
  'hidden.vectorsCaption': 'One row per token, one column per dimension of the hidden state. Colours are clipped at the 99th percentile of |value| so that a few very large dimensions do not hide the rest.',
  'hidden.valueLegend': 'Value (clipped)',
  'hidden.dimension': 'Dimension',
  'hidden.dim': 'dim',
  'hidden.cosineTitle': 'Cosine similarity between tokens',
  'hidden.cosineCaption': 'How alike each pair of token vectors is in direction: 1 = same direction, 0 = unrelated, −1 = opposite.',
  'hidden.cosineLegend': 'Cosine similarity',
  'hidden.pcaTitle': 'Token vectors in 2-D (PCA)',
  'hidden.pcaCaption': 'Each token’s vector projected onto the two directions in which this layer’s vectors vary most (the principal components). Nearby points have similar vectors.',
  'hidden.pc1': 'Principal component 1',
  'hidden.pc2': 'Principal component 2',
  'hidden.sentenceA': 'Sentence A',
  'hidden.sentenceB': 'Sentence B',
  'hidden.clsPoolerTitle': 'Hidden states vs. pooler output',
  'hidden.clsRow': '[CLS], last layer',
  'hidden.poolerRow': 'pooler = tanh(W·h[CLS] + b)',
  'hidden.explain': 'The hidden states have shape (batch, seq, hidden): one vector per token. Token-level tasks use them, such as finding the answer span in question answering (QA) or tagging named entities (NER). The pooler output has shape (batch, hidden): one vector per sentence, made from the last layer’s [CLS] vector by a dense layer and tanh. Sentence-level tasks use it, such as classification and next sentence prediction (NSP). Many sentence-embedding models (e.g. all-MiniLM-L6-v2) average the token vectors instead.',
  'hidden.noPooler': 'This checkpoint has no pooler, so there is no pooler output. Models without one usually get a sentence vector by averaging the token vectors (mean pooling).',

  'emb.token': 'Token',
  'emb.id': 'id',
  'emb.position': 'position',
  'emb.segment': 'segment',
  'emb.word': 'word',
  'emb.sum': 'sum',
  'emb.output': 'hidden state 0',
  'emb.dimension': 'Dimension',
  'emb.dim': 'dim',
  'emb.inputLegend': 'Embeddings and their sum',
  'emb.outputLegend': 'After LayerNorm',
};

const id: Record<string, string> = {
  'head.layer': 'Lapisan',
  'head.head': 'Kepala',
  'head.hint': 'Arahkan kursor ke sebuah token untuk melihat atensinya saja. Klik kotak berwarna untuk menampilkan atau menyembunyikan kepala; klik dua kali untuk menampilkan kepala itu saja.',
  'head.toggleHelp': 'klik untuk menampilkan atau menyembunyikan, klik dua kali untuk menampilkan kepala ini saja',
  'head.from': 'Dari (query)',
  'head.to': 'Ke (key)',
  'head.sentenceA': 'kalimat A',
  'head.sentenceB': 'kalimat B',
  'head.shown': 'Kepala yang ditampilkan: {heads}',
  'head.noHeads': 'Tidak ada kepala yang ditampilkan: klik kotak berwarna di atas.',
  'head.weightsOne': 'Bobot atensi kepala {head}.',
  'head.weightsMean': 'Bobot atensi: rata-rata dari {count} kepala yang ditampilkan.',

  'model.hint': 'Semua lapisan (baris) dan kepala (kolom). Klik gambar kecil untuk memperbesarnya.',
  'model.layerAbbr': 'L',
  'model.headAbbr': 'K',

  'matrix.layer': 'Lapisan',
  'matrix.head': 'Kepala',
  'matrix.keys': 'Key (yang diperhatikan)',
  'matrix.queries': 'Query (yang memperhatikan)',
  'matrix.legend': 'Bobot atensi',

  'hidden.layerN': 'lapisan',
  'hidden.embeddingOutput': 'keluaran embedding (lapisan 0)',
  'hidden.vectorsTitle': 'Vektor token',
  'hidden.vectorsCaption': 'Satu baris untuk setiap token, satu kolom untuk setiap dimensi hidden state. Warna dipotong pada persentil ke-99 dari |nilai| agar beberapa dimensi yang sangat besar tidak menutupi yang lain.',
  'hidden.valueLegend': 'Nilai (dipotong)',
  'hidden.dimension': 'Dimensi',
  'hidden.dim': 'dim',
  'hidden.cosineTitle': 'Kemiripan kosinus antartoken',
  'hidden.cosineCaption': 'Seberapa searah setiap pasangan vektor token: 1 = searah, 0 = tidak berkaitan, −1 = berlawanan arah.',
  'hidden.cosineLegend': 'Kemiripan kosinus',
  'hidden.pcaTitle': 'Vektor token dalam 2-D (PCA)',
  'hidden.pcaCaption': 'Vektor setiap token diproyeksikan ke dua arah tempat vektor-vektor lapisan ini paling bervariasi (komponen utama). Titik yang berdekatan memiliki vektor yang mirip.',
  'hidden.pc1': 'Komponen utama 1',
  'hidden.pc2': 'Komponen utama 2',
  'hidden.sentenceA': 'Kalimat A',
  'hidden.sentenceB': 'Kalimat B',
  'hidden.clsPoolerTitle': 'Hidden state vs. keluaran pooler',
  'hidden.clsRow': '[CLS], lapisan terakhir',
  'hidden.poolerRow': 'pooler = tanh(W·h[CLS] + b)',
  'hidden.explain': 'Hidden state berbentuk (batch, seq, hidden): satu vektor untuk setiap token. Tugas tingkat token memakainya, misalnya mencari rentang jawaban pada tanya jawab (QA) atau mengenali entitas bernama (NER). Keluaran pooler berbentuk (batch, hidden): satu vektor untuk setiap kalimat, dibuat dari vektor [CLS] lapisan terakhir melalui lapisan dense dan tanh. Tugas tingkat kalimat memakainya, seperti klasifikasi dan prediksi kalimat berikutnya (NSP). Banyak model sentence embedding (mis. all-MiniLM-L6-v2) justru merata-ratakan vektor token.',
  'hidden.noPooler': 'Checkpoint ini tidak memiliki pooler, jadi tidak ada keluaran pooler. Model tanpa pooler biasanya memperoleh vektor kalimat dengan merata-ratakan vektor token (mean pooling).',

  'emb.token': 'Token',
  'emb.id': 'id',
  'emb.position': 'posisi',
  'emb.segment': 'segmen',
  'emb.word': 'kata',
  'emb.sum': 'jumlah',
  'emb.output': 'hidden state 0',
  'emb.dimension': 'Dimensi',
  'emb.dim': 'dim',
  'emb.inputLegend': 'Embedding dan jumlahnya',
  'emb.outputLegend': 'Setelah LayerNorm',
};

export const viewStrings: { en: Record<string, string>; id: Record<string, string> } = { en, id };
