// The page's state in its URL (like TensorFlow Playground): share a link, get the same view.

export interface PageState {
  text: string;
  textB: string;
  /** A model URL; files and the built-in model are not shareable and stay out of the link. */
  model: string;
  layer: number;
  head: number;
  view: 'head' | 'model' | 'matrix';
  lang: 'en' | 'id';
  backend: 'auto' | 'webgpu' | 'cpu';
  /** The learn mode's step, or null when it is closed. */
  learn: number | null;
  /** The token the learn mode follows (0 is [CLS]). */
  token: number;
}

export const DEFAULT_STATE: PageState = {
  text: 'The capital of France is Paris.',
  textB: '',
  model: '',
  layer: 0,
  head: 0,
  view: 'head',
  lang: 'en',
  backend: 'auto',
  learn: null,
  token: 1,
};

export function readState(hash: string): PageState {
  const q = new URLSearchParams(hash.replace(/^#/, ''));
  const int = (key: string, fallback: number) => {
    const n = Number.parseInt(q.get(key) ?? '', 10);
    return Number.isFinite(n) && n >= 0 ? n : fallback;
  };
  const oneOf = <T extends string>(key: string, options: readonly T[], fallback: T): T =>
    (options as readonly string[]).includes(q.get(key) ?? '') ? (q.get(key) as T) : fallback;
  return {
    text: q.get('text') ?? DEFAULT_STATE.text,
    textB: q.get('b') ?? '',
    model: q.get('model') ?? '',
    layer: int('layer', 0),
    head: int('head', 0),
    view: oneOf('view', ['head', 'model', 'matrix'] as const, 'head'),
    lang: oneOf('lang', ['en', 'id'] as const, 'en'),
    backend: oneOf('backend', ['auto', 'webgpu', 'cpu'] as const, 'auto'),
    learn: q.has('learn') ? int('learn', 0) : null,
    token: int('token', DEFAULT_STATE.token),
  };
}

export function writeState(s: PageState): string {
  const q = new URLSearchParams();
  q.set('text', s.text);
  if (s.textB) q.set('b', s.textB);
  if (s.model) q.set('model', s.model);
  q.set('layer', String(s.layer));
  q.set('head', String(s.head));
  q.set('view', s.view);
  if (s.lang !== 'en') q.set('lang', s.lang);
  if (s.backend !== 'auto') q.set('backend', s.backend);
  if (s.learn !== null) {
    q.set('learn', String(s.learn));
    q.set('token', String(s.token));
  }
  return '#' + q.toString();
}
