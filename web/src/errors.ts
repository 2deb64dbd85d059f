// What can go wrong, said in both languages. An error that crosses from the worker (or from the
// core, through WebAssembly) carries a code and the values it names; the page says it in the
// user's language (i18n.ts `describe`). The core's English comes with its error; the worker's
// English is here, so the worker can build its messages without the page.

import { fill as fillPlain } from './views/strings';

/** The page's languages (i18n.ts has their words for the page itself). */
export type Lang = 'en' | 'id';

/** A value in a message: text, a number, or another coded message (a reason inside a reason). */
export type Param = string | number | Coded;
export interface Coded {
  code: string;
  params?: Record<string, Param>;
  /** The English, when it comes with the value (the core's, which this file does not hold). */
  text?: string;
}

/** What an error carries from the worker to the page besides its English message: `kind` and
 * `detail` come from the core (the detail is the message without the kind's frame). */
export interface CrossingError {
  code?: string;
  params?: Record<string, Param>;
  kind?: string;
  detail?: string;
}

/** A message meant for the user, not a bug: its code, its values, and its English text. */
export class UserError extends Error implements Coded {
  constructor(
    readonly code: string,
    readonly params: Record<string, Param> = {},
  ) {
    super(fill(errorStrings.en[code] ?? code, params, 'en'));
  }
}

/** `template` with `{name}` replaced by `vars[name]`; a coded value is said in `lang`. */
export function fill(template: string, vars: Record<string, Param>, lang: Lang): string {
  const given = Object.entries(vars).filter(([, v]) => v !== undefined && v !== null);
  return fillPlain(template, Object.fromEntries(given.map(([k, v]) => [k, say(v, lang)])));
}

/** One value in `lang`: a coded one translated, a `list` joined. */
function say(v: Param, lang: Lang): string {
  if (typeof v !== 'object') return String(v);
  if (v.code === 'list') return Object.values(v.params ?? {}).map((x) => say(x, lang)).join(', ');
  const words = errorStrings[lang][v.code];
  if (words === undefined && v.text !== undefined) return v.text;
  return fill(words ?? errorStrings.en[v.code] ?? v.code, v.params ?? {}, lang);
}

export const errorStrings: Record<Lang, Record<string, string>> = {
  en: {
    'engine.noModel': 'no model is loaded yet',
    'engine.unknownMethod': 'unknown method {method}',
    'engine.notStarted': 'not started',
    'gpu.unavailable': 'WebGPU is not available: {why}',
    'gpu.unknownBackend': 'unknown backend "{name}" (use webgpu or cpu)',
    'gpu.noAdapter': 'this browser offers no WebGPU adapter',
    'gpu.noDevice': 'no WebGPU device is in use',
    'gpu.couldNotStart': 'WebGPU could not start: {why}',
    'gpu.deviceLost': 'the WebGPU device was lost ({why})',
    'gpu.error': 'WebGPU reported an error: {why}',
    'gpu.lost': '{why}; reload the page to use WebGPU again',
    'download.cancelled': 'the download was cancelled',
    'download.notUrl': '"{url}" is not a web address (it should start with https://)',
    'download.noTokenizer': '{url} has no tokenizer: neither tokenizer.json nor vocab.txt could be fetched',
    'download.network': 'could not fetch {url}: the network failed or the server does not allow cross-origin requests',
    'download.http': 'could not fetch {url}: HTTP {status} {text}',
    'download.tooBig': '{url} is {size} GB; a tab can load model files of at most {max} GB',
    'download.tooBigStream': '{url} is larger than {max} GB, the most a tab can load',
    'download.brokeOff': 'the download of {url} broke off: {why}',
    'files.sharded': 'sharded safetensors (model-00001-of-…) are not supported: save the model as one file',
    'files.incomplete': 'the model is incomplete: missing {missing} (given: {given})',
    'files.notSafetensors': 'model.safetensors (found {name}; only safetensors weights can be read — save with safe_serialization=True)',
    'files.tokenizer': 'a tokenizer (tokenizer.json or vocab.txt)',
    'files.nothing': 'nothing',
    'zip.entries': '{name} has more than {max} entries',
    'zip.inside': '{name} in {zip}',
    'zip.damaged': '{name} is damaged: its entries declare {packed} packed bytes, the file holds {size}',
    'zip.unreadable': '{name} is not a readable .zip file ({why})',
    'zip.tooBig': '{name} unpacks to more than {max} GB, more than the tab can load',
    'zip.bomb': '{what} would grow {times} times when unpacked: no model file compresses like that (a zip bomb?)',
    'weights.tooShort': 'the weights file is too short to be safetensors',
    'weights.header': 'the weights file’s header runs past its end',
    'weights.noTensor': 'the model has no tensor {name}',
    'weights.index': '{name} has {count} numbers (0 to {last}); {index} is not one of them',
    'weights.notFinite': '{value} is not a finite number',
    'weights.notFloat': '{name} holds {dtype}, not float32 numbers',
    'training.noExport': 'there is no trained model to export yet',
    'training.busy': 'a training run is already in progress: stop it first',
    'training.modelBeforeData': 'load a model before choosing data',
    'training.modelBeforeTraining': 'load a model before training',
    'training.noCheckpoint': 'there is no saved checkpoint to resume',
    'training.checkpointIncomplete': 'the saved checkpoint is incomplete: it cannot be resumed',
    'training.notRunning': 'no training run is in progress',
    'training.unknownAction': 'unknown training action "{action}" (use pause, resume or stop)',
    'training.stopFirst': 'stop the training run before discarding it',
    'training.nothingToCompare': 'train a model first: there is nothing to compare yet',
    'training.loadBase': 'load the model this run started from to compare with it',
    'training.otherTab': 'another tab of this page is training: stop that run (or close the tab) first, since both would write the one run this browser keeps',
    'storage.cannotOpen': 'browser storage cannot be opened: {why}',
    'storage.full': 'browser storage is full: the {what} ({mb} MB) was not saved. Free some space (or export the model) to keep checkpoints.',
    'storage.failed': 'the {what} ({mb} MB) could not be saved: {why}',
    'storage.checkpoint': 'checkpoint',
    'storage.bestModel': 'best model',
    'storage.progress': 'run’s progress',
    'cache.tooBig': 'not kept for next time: the model is {mb} MB and browser storage has {free} MB free',
    'cache.full': 'not kept for next time: browser storage is full',
    'cache.failed': 'not kept for next time: {why}',
    // A trained model's name.
    'name.fineTuned': '{model} fine-tuned on {data}',
    'name.fineTunedBest': '{model} fine-tuned on {data} (best)',
    'name.pretrained': '{model} pretrained on {data}',
    'name.pretrainedBest': '{model} pretrained on {data} (best)',
    'name.model': 'model',
    'name.yourData': 'your data',
  },
  id: {
    'engine.noModel': 'belum ada model yang dimuat',
    'engine.unknownMethod': 'metode tidak dikenal {method}',
    'engine.notStarted': 'belum dimulai',
    'gpu.unavailable': 'WebGPU tidak tersedia: {why}',
    'gpu.unknownBackend': 'backend "{name}" tidak dikenal (pakai webgpu atau cpu)',
    'gpu.noAdapter': 'peramban ini tidak menyediakan adaptor WebGPU',
    'gpu.noDevice': 'tidak ada perangkat WebGPU yang dipakai',
    'gpu.couldNotStart': 'WebGPU tidak dapat dimulai: {why}',
    'gpu.deviceLost': 'perangkat WebGPU hilang ({why})',
    'gpu.error': 'WebGPU melaporkan galat: {why}',
    'gpu.lost': '{why}; muat ulang halaman untuk memakai WebGPU lagi',
    'download.cancelled': 'unduhan dibatalkan',
    'download.notUrl': '"{url}" bukan alamat web (seharusnya diawali https://)',
    'download.noTokenizer': '{url} tidak memiliki tokenizer: tokenizer.json maupun vocab.txt tidak dapat diambil',
    'download.network': '{url} tidak dapat diambil: jaringan gagal atau server tidak mengizinkan permintaan lintas origin',
    'download.http': '{url} tidak dapat diambil: HTTP {status} {text}',
    'download.tooBig': '{url} berukuran {size} GB; sebuah tab dapat memuat berkas model paling besar {max} GB',
    'download.tooBigStream': '{url} lebih besar dari {max} GB, batas yang dapat dimuat sebuah tab',
    'download.brokeOff': 'unduhan {url} terputus: {why}',
    'files.sharded': 'safetensors yang terpecah (model-00001-of-…) tidak didukung: simpan model sebagai satu berkas',
    'files.incomplete': 'model tidak lengkap: tidak ada {missing} (yang diberikan: {given})',
    'files.notSafetensors': 'model.safetensors (ditemukan {name}; hanya bobot safetensors yang dapat dibaca — simpan dengan safe_serialization=True)',
    'files.tokenizer': 'tokenizer (tokenizer.json atau vocab.txt)',
    'files.nothing': 'tidak ada',
    'zip.entries': '{name} berisi lebih dari {max} entri',
    'zip.inside': '{name} di dalam {zip}',
    'zip.damaged': '{name} rusak: entrinya menyatakan {packed} bita terkemas, berkasnya hanya {size}',
    'zip.unreadable': '{name} bukan berkas .zip yang dapat dibaca ({why})',
    'zip.tooBig': '{name} terbuka menjadi lebih dari {max} GB, lebih dari yang dapat dimuat tab ini',
    'zip.bomb': '{what} akan membesar {times} kali saat dibuka: tidak ada berkas model yang termampatkan seperti itu (bom zip?)',
    'weights.tooShort': 'berkas bobot terlalu pendek untuk safetensors',
    'weights.header': 'header berkas bobot melewati akhir berkas',
    'weights.noTensor': 'model tidak memiliki tensor {name}',
    'weights.index': '{name} memiliki {count} bilangan (0 sampai {last}); {index} bukan salah satunya',
    'weights.notFinite': '{value} bukan bilangan hingga',
    'weights.notFloat': '{name} berisi {dtype}, bukan bilangan float32',
    'training.noExport': 'belum ada model hasil latihan untuk diekspor',
    'training.busy': 'sebuah pelatihan sedang berjalan: hentikan dulu',
    'training.modelBeforeData': 'muat sebuah model sebelum memilih data',
    'training.modelBeforeTraining': 'muat sebuah model sebelum melatih',
    'training.noCheckpoint': 'tidak ada checkpoint tersimpan untuk dilanjutkan',
    'training.checkpointIncomplete': 'checkpoint yang tersimpan tidak lengkap: tidak dapat dilanjutkan',
    'training.notRunning': 'tidak ada pelatihan yang sedang berjalan',
    'training.unknownAction': 'aksi pelatihan "{action}" tidak dikenal (pakai pause, resume atau stop)',
    'training.stopFirst': 'hentikan pelatihan sebelum membuangnya',
    'training.nothingToCompare': 'latih model dulu: belum ada yang bisa dibandingkan',
    'training.loadBase': 'muat model awal pelatihan ini untuk membandingkannya',
    'training.otherTab': 'tab lain dari halaman ini sedang melatih: hentikan pelatihan itu (atau tutup tab-nya) dulu, karena keduanya akan menulis satu-satunya sesi yang disimpan peramban ini',
    'storage.cannotOpen': 'penyimpanan peramban tidak dapat dibuka: {why}',
    'storage.full': 'penyimpanan peramban penuh: {what} ({mb} MB) tidak tersimpan. Kosongkan sebagian ruang (atau ekspor modelnya) agar checkpoint tetap tersimpan.',
    'storage.failed': '{what} ({mb} MB) tidak dapat disimpan: {why}',
    'storage.checkpoint': 'checkpoint',
    'storage.bestModel': 'model terbaik',
    'storage.progress': 'catatan kemajuan pelatihan',
    'cache.tooBig': 'tidak disimpan untuk lain kali: ukuran model {mb} MB dan penyimpanan peramban hanya kosong {free} MB',
    'cache.full': 'tidak disimpan untuk lain kali: penyimpanan peramban penuh',
    'cache.failed': 'tidak disimpan untuk lain kali: {why}',
    'name.fineTuned': '{model} yang di-fine-tune pada {data}',
    'name.fineTunedBest': '{model} yang di-fine-tune pada {data} (terbaik)',
    'name.pretrained': '{model} yang dipralatih pada {data}',
    'name.pretrainedBest': '{model} yang dipralatih pada {data} (terbaik)',
    'name.model': 'model',
    'name.yourData': 'data Anda',
    // The core's errors (crates/bertplay): their English comes with the error.
    'kind.config': 'config.json: {detail}',
    'kind.safetensors': 'model.safetensors: {detail}',
    'kind.checkpoint': 'checkpoint tidak cocok dengan config-nya: {detail}',
    'kind.tokenizer': 'tokenizer: {detail}',
    'kind.input': '{detail}',
    'kind.missing_head': '{detail}',
    'kind.device': 'perangkat: {detail}',
    'input.empty_text': 'teksnya kosong',
    'input.single_segment': 'model ini hanya memiliki satu segmen (type_vocab_size 1): model ini membaca satu teks, bukan sepasang',
    'input.max_len': 'panjang maksimum {max_len} token di luar yang dibaca model ini ({min} sampai {max})',
    'input.question_room': 'pertanyaan memakai {first} dari {max_len} token sebuah jendela dan tidak menyisakan ruang untuk konteks',
    'input.first_too_long': 'teks pertama terlalu panjang sehingga tidak ada ruang untuk teks kedua ({e})',
    'input.cannot_tokenize': 'tidak dapat ditokenisasi: {e}',
    'input.no_mask': 'teksnya tidak memiliki token [MASK] untuk diisi',
    'input.top_k': 'top-k paling sedikit 1',
    'input.layer': 'lapisan {layer} tidak ada: model ini memiliki lapisan 0..{layers}',
    'input.head': 'head {head} tidak ada: tiap lapisan memiliki head 0..{heads}',
    'input.token': 'token {token} tidak ada: masukan memiliki token 0..{count} ({tokens})',
    'input.ig_steps': 'integrated gradients memakai 1 sampai {max} langkah, bukan {steps}',
    'input.not_one_token': '"{word}" bukan satu token dalam kosakata',
    'input.no_label': 'model ini tidak memiliki label "{label}" ({labels})',
    'input.qa_no_room': 'konteks tidak mendapat ruang setelah pertanyaan: perpendek pertanyaannya',
    'input.corpus_empty': 'korpus tidak berisi teks: tulis satu kalimat per baris, dengan baris kosong di antara dokumen',
    'input.corpus_nsp': 'prediksi kalimat berikutnya memerlukan paling sedikit 2 dokumen (dipisah baris kosong) dan satu dokumen dengan paling sedikit 2 kalimat; korpus ini memiliki {documents} dokumen, yang terpanjang {sentences} kalimat',
    'input.unknown_label': 'baris {line}: label "{label}" bukan label yang dipakai saat model dilatih ({labels})',
    'input.too_many_labels': 'data memiliki {count} label berbeda; pengklasifikasi di sini paling banyak {max} label (apakah kolom labelnya benar?)',
    'input.no_examples': 'tidak ada contoh latihan',
    'input.data_changed': 'data latih berubah selama pelatihan',
    'input.vocab_no_text': 'tidak ada teks untuk melatih kosakata',
    'input.data_format': 'format "{name}" tidak dikenali: beri nama .csv, .tsv atau .jsonl (JSON Lines, juga .json atau .ndjson)',
    'input.utf16_cut': 'berkas UTF-16 berakhir di tengah sebuah karakter',
    'input.utf16_invalid': 'berkas UTF-16 berisi karakter yang tidak sah: simpan sebagai CSV UTF-8',
    'input.no_rows': 'berkas tidak memiliki baris',
    'input.too_many_rows': 'baris {line}: berkas memiliki lebih dari {max} baris; pelatihan di sini membaca paling banyak {max}',
    'input.no_usable_rows': 'berkas tidak memiliki baris yang dapat dipakai: {bad} rusak, yang pertama di baris {line}: {reason}',
    'input.header_utf8': 'baris {line}: header bukan UTF-8 yang sah (simpan berkas sebagai CSV UTF-8)',
    'input.no_column': 'baris {line}: header tidak memiliki kolom {what} (beri nama {names}); kolomnya: {columns}',
    'input.unclosed_quote': 'baris {line}: sebuah kolom berkutip tidak pernah ditutup (tanda " di dalam kolom berkutip harus ditulis dua kali: "")',
    'input.not_utf8': 'teksnya bukan UTF-8 ({e})',
    'tokenizer.no_mask': 'kosakata tidak memiliki token [MASK]',
    'tokenizer.vocab_size': 'kosakata memiliki {tokens} token tetapi vocab_size di config.json {vocab_size}',
    'tokenizer.id_beyond': 'tokenizer memberi "{token}" id {id}, melebihi vocab_size {vocab_size} di config.json',
    'tokenizer.added_beyond': 'tokenizer menambahkan "{token}" dengan id {id}, melebihi vocab_size {vocab_size} di config.json',
    'tokenizer.json_invalid': 'tokenizer.json bukan JSON yang sah: {e}',
    'tokenizer.json_unread': 'tokenizer.json: {e}',
    'tokenizer.vocab_unread': 'vocab.txt: {e}',
    'tokenizer.positions': 'model yang membaca {max_len} posisi tidak dapat memuat [CLS], sebuah token dan [SEP] (perlu paling sedikit {min})',
    'tokenizer.id_too_big': 'tokenizer memberi "{token}" id {id}; id di sini harus di bawah {max}',
    'config.positive': '{name} harus positif',
    'config.too_big': '{name} bernilai {value}; playground ini membaca paling besar {max}',
    'config.positions': 'max_position_embeddings bernilai {value}: sebuah masukan perlu paling sedikit {min} ([CLS], sebuah token, [SEP])',
    'config.init_range': 'initializer_range harus bilangan positif, bukan {value}',
    'config.heads_divide': 'hidden_size {hidden} bukan kelipatan num_attention_heads {heads}',
    'config.dropout': '{name} harus di dalam [0, 1), bukan {value}',
    'config.eps': 'layer_norm_eps harus positif, bukan {value}',
    'config.position_type': 'position_embedding_type "{kind}" tidak didukung (hanya "absolute")',
    'config.labels_count': 'id2label memiliki {count} label; yang dibaca paling banyak {max}',
    'config.label_key': 'kunci id2label "{id}" bukan id dalam 0..{count}',
    'config.label_same': 'kunci id2label "{other}" dan "{id}" adalah id yang sama, {index}',
    'checkpoint.too_small': 'config.json menggambarkan {numbers} bilangan di embedding dan encoder saja, lebih dari yang dapat dimuat model.safetensors sebesar {mb} MB',
    'checkpoint.shapes': 'bentuk tensor bertentangan dengan config.json: {tensors}',
    'checkpoint.shapes_more': 'bentuk tensor bertentangan dengan config.json: {tensors} dan {more} lagi',
    'checkpoint.missing': 'tensor yang tidak ada di model.safetensors: {tensors}',
    'checkpoint.missing_more': 'tensor yang tidak ada di model.safetensors: {tensors} dan {more} lagi',
    'checkpoint.bias_only': 'classifier.bias tanpa classifier.weight',
    'checkpoint.classifier_shape': 'classifier.weight berbentuk {shape}; sebuah pengklasifikasi berbentuk [label, {hidden}] dengan 1 sampai {max} label',
    'checkpoint.label_count': 'pengklasifikasi memiliki {outputs} keluaran tetapi id2label di config.json menyebut {labels} label',
    'checkpoint.untied': '{name} berbeda dari embedding kata; hanya decoder MLM yang terikat yang didukung',
    'safetensors.invalid': 'bukan berkas safetensors yang sah ({e})',
    'safetensors.same_name': 'dua tensor sama-sama berarti "{key}"',
    'tokenizer.no_token': 'kosakata tidak memiliki token {token}',
    'missing_head.pooler': 'model ini tidak memiliki pooler',
    'missing_head.pooler_classify': 'klasifikasi memerlukan pooler; model ini tidak memilikinya',
    'missing_head.pooler_nsp': 'prediksi kalimat berikutnya memerlukan pooler; model ini tidak memilikinya',
    'missing_head.head': 'model ini tidak memiliki {head}; yang ada: {has}',
    'input.bad_row': 'baris {line}: {reason}',
    // Why a row of a data file is left out, and what the data warns of.
    'row.empty_text': 'teksnya kosong',
    'row.empty_text_b': 'text_b kosong',
    'row.text_too_long': 'teksnya sepanjang {chars} karakter; satu baris paling banyak {max} (apakah ada tanda kutip yang belum ditutup?)',
    'row.text_b_too_long': 'text_b sepanjang {chars} karakter; satu baris paling banyak {max} (apakah ada tanda kutip yang belum ditutup?)',
    'row.empty_label': 'labelnya kosong',
    'row.columns': 'baris ini memiliki {count} kolom, header-nya {width}',
    'row.not_utf8': 'baris ini bukan UTF-8 yang sah (simpan berkas sebagai UTF-8)',
    'row.line_not_utf8': 'baris ini bukan UTF-8 yang sah (simpan berkas sebagai UTF-8)',
    'row.invalid_json': 'JSON tidak sah: {e}',
    'row.json_array': 'seharusnya sebuah objek JSON (ini larik JSON: tulis satu objek per baris)',
    'row.not_object': 'seharusnya sebuah objek JSON',
    'row.text_not_string': '"text" harus berupa string',
    'row.no_text': 'tidak ada kolom "text" (beri nama {names})',
    'row.text_b_not_string': '"text_b" harus berupa string',
    'row.no_label': 'tidak ada kolom "label"',
    'row.label_type': '"label" harus berupa string, bilangan bulat atau true/false, bukan {value}',
    'warning.one_label': 'data latih hanya memiliki satu label ({label}): model hanya dapat belajar untuk selalu menebaknya',
    'warning.no_held_out': 'tidak ada evaluasi teks sisihan: {e}',
    // The answer a saliency map explains.
    'saliency.fill_mask': 'fill-mask: {word} pada token {position}',
    'saliency.label': 'label {label}',
    'saliency.answer': 'jawaban "{answer}" (token {start}-{end})',
    'saliency.is_next': 'B mengikuti A',
    'saliency.not_next': 'B tidak mengikuti A',
  },
};
