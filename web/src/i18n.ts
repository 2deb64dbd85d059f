// English and Bahasa Indonesia, for the course's students. Static text carries `data-i18n`
// keys; code asks `t(key)`. The views bring their own strings (views/strings.ts).

import { viewStrings } from './views/strings';

export type Lang = 'en' | 'id';

const app: Record<Lang, Record<string, string>> = {
  en: {
    'app.tagline': 'BERT running in this tab: see attention, hidden states and predictions.',
    'app.language': 'Language',
    'app.footer': 'Everything runs in your browser; no text or model leaves this page.',
    'app.noEngine': 'This browser cannot run the BERT engine ({why}). A current Chrome, Edge, Firefox or Safari can.',
    'model.sharedFailed': 'The link’s model ({url}) could not be loaded: {why}. Showing the built-in model instead.',
    'backend.label': 'Backend',
    'backend.auto': 'Auto',
    'backend.mismatch': 'WebGPU and CPU disagree on this model (max difference {d}): WebGPU results may be wrong here. Switch to CPU to be safe.',
    'backend.agree': 'Self-test: WebGPU matches the CPU (max difference {d}).',
    'backend.fallback': 'WebGPU is not available ({why}); running on the CPU.',
    'model.title': 'Model',
    'model.builtin': 'Built-in model',
    'model.files': 'Choose files…',
    'model.folder': 'Choose folder…',
    'model.loadUrl': 'Load from URL',
    'model.drop': 'Or drop a model folder or its files here (config.json, model.safetensors, tokenizer.json or vocab.txt).',
    'model.loading': 'Loading',
    'model.loaded': 'Loaded {name}.',
    'model.failed': 'Could not load this model: {why}. The previous model is still loaded.',
    'model.failedNone': 'Could not load this model: {why}.',
    'model.placeholder': 'Untrained placeholder: random weights. Attention and predictions show how BERT computes, not what a trained BERT knows. Load a real model (e.g. all-MiniLM-L6-v2) from files or a URL for meaningful results.',
    'model.layers': 'layers', 'model.hidden': 'hidden', 'model.heads': 'heads', 'model.vocab': 'vocabulary',
    'model.taskHeads': 'task heads', 'model.none': 'none (encoder only)',
    'model.missing': 'not in the checkpoint', 'model.unused': 'unused tensors',
    'input.title': 'Input',
    'input.a': 'Sentence A',
    'input.b': 'Sentence B (optional)',
    'input.run': 'Run BERT',
    'input.truncated': 'The input was cut to the model’s maximum length.',
    'input.timing': '{n} tokens: BERT took {engine} ms on {backend}, {total} ms with drawing.',
    'tokens.title': 'Tokenization',
    'tokens.help': 'WordPiece pieces (## continues a word), their ids, segment (A = 0, B = 1) and position. Click a token to see its embedding sum.',
    'tokens.piece': 'piece', 'tokens.id': 'id', 'tokens.segment': 'segment', 'tokens.position': 'position',
    'attention.title': 'Attention',
    'attention.head': 'Head view', 'attention.model': 'Model view', 'attention.matrix': 'Matrix view',
    'attention.layer': 'Layer', 'attention.headNo': 'Head', 'attention.filter': 'Show', 'attention.all': 'all',
    'hidden.title': 'Hidden states and pooler output',
    'hidden.layer': 'Layer (0 = embeddings)',
    'tasks.title': 'Tasks',
    'tasks.run': 'Run',
    'fill.title': 'Fill-mask (write [MASK])',
    'nsp.title': 'Next sentence prediction',
    'nsp.result': 'P(B follows A) = {p}',
    'qa.title': 'Question answering',
    'qa.score': 'score {s}, window {w} of {n}',
    'classify.title': 'Classification',
    'classify.b': 'Sentence B (optional, for pair classifiers)',
  },
  id: {
    'app.tagline': 'BERT berjalan di tab ini: lihat atensi, hidden state, dan prediksinya.',
    'app.language': 'Bahasa',
    'app.footer': 'Semuanya berjalan di peramban Anda; tidak ada teks atau model yang keluar dari halaman ini.',
    'app.noEngine': 'Peramban ini tidak dapat menjalankan mesin BERT ({why}). Chrome, Edge, Firefox atau Safari versi terbaru bisa.',
    'model.sharedFailed': 'Model dari tautan ({url}) tidak dapat dimuat: {why}. Model bawaan ditampilkan sebagai gantinya.',
    'backend.label': 'Backend',
    'backend.auto': 'Otomatis',
    'backend.mismatch': 'WebGPU dan CPU berbeda pada model ini (selisih maks {d}): hasil WebGPU mungkin salah di sini. Pindah ke CPU agar aman.',
    'backend.agree': 'Uji mandiri: WebGPU sama dengan CPU (selisih maks {d}).',
    'backend.fallback': 'WebGPU tidak tersedia ({why}); berjalan di CPU.',
    'model.title': 'Model',
    'model.builtin': 'Model bawaan',
    'model.files': 'Pilih berkas…',
    'model.folder': 'Pilih folder…',
    'model.loadUrl': 'Muat dari URL',
    'model.drop': 'Atau seret folder model atau berkasnya ke sini (config.json, model.safetensors, tokenizer.json atau vocab.txt).',
    'model.loading': 'Memuat',
    'model.loaded': '{name} dimuat.',
    'model.failed': 'Model ini tidak dapat dimuat: {why}. Model sebelumnya masih dimuat.',
    'model.failedNone': 'Model ini tidak dapat dimuat: {why}.',
    'model.placeholder': 'Placeholder yang belum dilatih: bobot acak. Atensi dan prediksinya menunjukkan cara BERT menghitung, bukan apa yang diketahui BERT terlatih. Muat model sungguhan (mis. all-MiniLM-L6-v2) dari berkas atau URL untuk hasil yang bermakna.',
    'model.layers': 'lapisan', 'model.hidden': 'hidden', 'model.heads': 'kepala', 'model.vocab': 'kosakata',
    'model.taskHeads': 'kepala tugas', 'model.none': 'tidak ada (hanya encoder)',
    'model.missing': 'tidak ada di checkpoint', 'model.unused': 'tensor tak terpakai',
    'input.title': 'Masukan',
    'input.a': 'Kalimat A',
    'input.b': 'Kalimat B (opsional)',
    'input.run': 'Jalankan BERT',
    'input.truncated': 'Masukan dipotong sesuai panjang maksimum model.',
    'input.timing': '{n} token: BERT butuh {engine} md di {backend}, {total} md dengan menggambar.',
    'tokens.title': 'Tokenisasi',
    'tokens.help': 'Potongan WordPiece (## melanjutkan kata), id-nya, segmen (A = 0, B = 1) dan posisi. Klik token untuk melihat jumlah embedding-nya.',
    'tokens.piece': 'potongan', 'tokens.id': 'id', 'tokens.segment': 'segmen', 'tokens.position': 'posisi',
    'attention.title': 'Atensi',
    'attention.head': 'Tampilan kepala', 'attention.model': 'Tampilan model', 'attention.matrix': 'Tampilan matriks',
    'attention.layer': 'Lapisan', 'attention.headNo': 'Kepala', 'attention.filter': 'Tampilkan', 'attention.all': 'semua',
    'hidden.title': 'Hidden state dan keluaran pooler',
    'hidden.layer': 'Lapisan (0 = embedding)',
    'tasks.title': 'Tugas',
    'tasks.run': 'Jalankan',
    'fill.title': 'Isi-mask (tulis [MASK])',
    'nsp.title': 'Prediksi kalimat berikutnya',
    'nsp.result': 'P(B mengikuti A) = {p}',
    'qa.title': 'Tanya jawab',
    'qa.score': 'skor {s}, jendela {w} dari {n}',
    'classify.title': 'Klasifikasi',
    'classify.b': 'Kalimat B (opsional, untuk pengklasifikasi pasangan)',
  },
};

let lang: Lang = 'en';

export function setLang(l: Lang) {
  lang = l;
  document.documentElement.lang = l;
  for (const el of document.querySelectorAll<HTMLElement>('[data-i18n]')) el.textContent = t(el.dataset.i18n!);
  for (const el of document.querySelectorAll<HTMLInputElement>('[data-i18n-placeholder]')) {
    el.placeholder = t(el.dataset.i18nPlaceholder!);
  }
}

/** The string for `key` in the current language, with `{name}` placeholders filled. */
export function t(key: string, vars: Record<string, string | number> = {}): string {
  const s = app[lang][key] ?? viewStrings[lang][key] ?? app.en[key] ?? viewStrings.en[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, k) => String(vars[k] ?? `{${k}}`));
}
