// Tokens shaded by a score each (red pushes an answer up, blue down), as saliency gives them;
// the exact score on hover.

import { divergingScale } from './colors';
import type { Tooltip } from './tooltip';

export function tokenShading(tokens: string[], scores: number[], tooltip: Tooltip): HTMLElement {
  const limit = Math.max(...scores.map(Math.abs)) || 1;
  const colour = divergingScale(limit);
  const line = document.createElement('div');
  line.className = 'token-shading';
  line.dataset.testid = 'token-shading';
  tokens.forEach((token, i) => {
    const span = document.createElement('span');
    span.textContent = token;
    span.style.background = colour(scores[i]);
    span.dataset.v = String(scores[i]);
    span.onmousemove = (e) => tooltip.show(`${token}: ${scores[i]}`, e);
    span.onmouseleave = () => tooltip.hide();
    line.append(span);
  });
  return line;
}
