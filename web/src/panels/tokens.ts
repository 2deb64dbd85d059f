// The tokenization table: each WordPiece piece with its id, segment and position. A click on a
// token, or Enter/Space on a piece (arrow keys move between pieces), picks it.

import { t } from '../i18n';
import type { Inspection } from '../types';
import { roving } from '../views/roving';

export function renderTokens(el: HTMLElement, ins: Inspection, selected: number, onPick: (token: number) => void) {
  const hadFocus = el.contains(document.activeElement);
  const table = document.createElement('table');
  table.className = 'tokens';
  const rows: [string, (i: number) => string][] = [
    [t('tokens.piece'), (i) => ins.tokens[i]],
    [t('tokens.id'), (i) => String(ins.input_ids[i])],
    [t('tokens.segment'), (i) => (ins.token_type_ids[i] ? 'B (1)' : 'A (0)')],
    [t('tokens.position'), (i) => String(i)],
  ];
  for (const [name, cell] of rows) {
    const tr = table.insertRow();
    const th = document.createElement('th');
    th.textContent = name;
    tr.append(th);
    ins.tokens.forEach((_, i) => {
      const td = tr.insertCell();
      td.textContent = cell(i);
      td.dataset.token = String(i);
      td.classList.toggle('special', ins.special_tokens_mask[i] === 1);
      td.classList.toggle('segment-b', ins.token_type_ids[i] === 1);
      td.classList.toggle('selected', i === selected);
      td.onclick = () => onPick(i);
    });
  }
  el.replaceChildren(table);
  const pieces = [...table.rows[0].querySelectorAll('td')];
  pieces[selected]?.setAttribute('aria-current', 'true');
  roving(pieces, { current: selected, keys: ['ArrowLeft', 'ArrowRight'], activate: onPick });
  // A pick redraws the table: the focus stays on the picked piece.
  if (hadFocus) pieces[selected]?.focus();
}
