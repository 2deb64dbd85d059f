// The page-wide banner: a fallback to the CPU, the WebGPU self-test, a restarted engine.

export type BannerKind = 'info' | 'warn' | 'error';

export function showBanner(text: string, kind: BannerKind) {
  const el = document.getElementById('banner')!;
  el.hidden = false;
  el.className = `banner ${kind}`;
  el.textContent = text;
}
