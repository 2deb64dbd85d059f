// Saving a view as a standalone SVG or PNG file.

const SVG_NS = 'http://www.w3.org/2000/svg';
const XMLNS_NS = 'http://www.w3.org/2000/xmlns/';

/** Elements that paint; their computed styles are copied inline. */
const PAINTED = 'svg, g, text, tspan, path, line, rect, circle, image';

/** Properties the page's stylesheet may set: a standalone file does not have that stylesheet. */
const STYLE_PROPERTIES = [
  'fill', 'fill-opacity', 'stroke', 'stroke-width', 'stroke-opacity', 'opacity', 'visibility',
  'font-family', 'font-size', 'font-weight', 'font-style', 'text-anchor', 'dominant-baseline', 'image-rendering',
];

/** How long a download's object URL lives; revoking it at once can cancel the download. */
const URL_LIFETIME_MS = 60_000;

export function exportSvg(svg: SVGSVGElement, filename: string): void {
  download(new Blob([serialize(svg)], { type: 'image/svg+xml;charset=utf-8' }), filename);
}

/** Renders the serialised SVG into a canvas `scale` times its size. Rejects if the browser
 * cannot decode the image or allocate the canvas (very large figures). */
export async function exportPng(svg: SVGSVGElement, filename: string, scale = 2): Promise<void> {
  const url = URL.createObjectURL(new Blob([serialize(svg)], { type: 'image/svg+xml;charset=utf-8' }));
  try {
    const image = new Image();
    image.src = url;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.ceil(svg.width.baseVal.value * scale);
    canvas.height = Math.ceil(svg.height.baseVal.value * scale);
    const ctx = canvas.getContext('2d');
    if (!ctx) throw new Error('no 2D canvas for the PNG export');
    ctx.drawImage(image, 0, 0, canvas.width, canvas.height);
    const blob = await new Promise<Blob | null>((resolve) => canvas.toBlob(resolve, 'image/png'));
    if (!blob) throw new Error('the PNG export failed (figure too large?)');
    download(blob, filename);
  } finally {
    URL.revokeObjectURL(url);
  }
}

/**
 * The svg as a standalone document: computed styles inlined (the page's CSS does not travel),
 * the SVG namespace declared, and a white background (viewers show transparency as black or a
 * checkerboard). Fonts are the system fonts the page names, so there is nothing to embed.
 */
function serialize(svg: SVGSVGElement): string {
  const copy = svg.cloneNode(true) as SVGSVGElement;
  const originals = [svg, ...svg.querySelectorAll(PAINTED)];
  const copies = [copy, ...copy.querySelectorAll(PAINTED)];
  originals.forEach((el, i) => {
    const style = getComputedStyle(el);
    copies[i].setAttribute('style', STYLE_PROPERTIES.map((p) => `${p}:${style.getPropertyValue(p)}`).join(';'));
  });
  // Heatmap cells are canvases (a copy of a canvas is blank): each becomes an image of its pixels.
  const canvases = [...svg.querySelectorAll('foreignObject')];
  [...copy.querySelectorAll('foreignObject')].forEach((holder, i) => {
    const canvas = canvases[i].querySelector('canvas');
    if (!canvas) return;
    const image = document.createElementNS(SVG_NS, 'image');
    for (const name of ['x', 'y', 'width', 'height']) {
      const value = holder.getAttribute(name);
      if (value !== null) image.setAttribute(name, value);
    }
    image.setAttribute('href', canvas.toDataURL('image/png'));
    image.setAttribute('preserveAspectRatio', 'none');
    image.style.imageRendering = 'pixelated';
    holder.replaceWith(image);
  });
  copy.setAttributeNS(XMLNS_NS, 'xmlns', SVG_NS);
  const background = document.createElementNS(SVG_NS, 'rect');
  background.setAttribute('width', '100%');
  background.setAttribute('height', '100%');
  background.setAttribute('fill', 'white');
  copy.prepend(background);
  return new XMLSerializer().serializeToString(copy);
}

function download(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const link = document.createElement('a');
  link.href = url;
  link.download = filename;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), URL_LIFETIME_MS);
}
