// The hover label of the heatmaps and the PCA scatter: one div per view root, outside the svg
// so exports do not carry it. Fixed positioning follows the pointer whatever the page layout.

export interface Tooltip {
  show(text: string, event: MouseEvent): void;
  hide(): void;
}

const OFFSET = 14;

export function createTooltip(root: HTMLElement): Tooltip {
  const el = document.createElement('div');
  el.className = 'view-tooltip';
  el.setAttribute('role', 'tooltip');
  el.hidden = true;
  root.append(el);
  return {
    show(text, event) {
      el.textContent = text;
      el.hidden = false;
      // Flip to the pointer's left near the window's right edge so the text stays readable.
      const flip = event.clientX + OFFSET + el.offsetWidth > window.innerWidth;
      el.style.left = `${flip ? event.clientX - OFFSET - el.offsetWidth : event.clientX + OFFSET}px`;
      el.style.top = `${event.clientY + OFFSET}px`;
    },
    hide() {
      el.hidden = true;
    },
  };
}
