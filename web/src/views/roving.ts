// One tab stop for a row of items (tokens, tabs): Tab lands on the current item, arrow keys
// (and Home/End) move along, Enter or Space activates. Keyboard users reach every token
// without tabbing through hundreds of them.

export interface RovingOptions {
  /** Where Tab lands, e.g. the selected token. */
  current: number;
  /** The keys that step back and forth. */
  keys: ['ArrowLeft', 'ArrowRight'] | ['ArrowUp', 'ArrowDown'];
  /** Enter or Space on an item; leave it out for buttons, which handle both themselves. */
  activate?: (i: number) => void;
}

export function roving(items: (HTMLElement | SVGElement)[], o: RovingOptions): void {
  if (items.length === 0) return;
  const clamp = (i: number) => Math.min(Math.max(i, 0), items.length - 1);
  const stopAt = (i: number) => items.forEach((el, k) => (el.tabIndex = k === i ? 0 : -1));
  stopAt(clamp(o.current));
  items.forEach((el, i) => {
    el.addEventListener('focus', () => stopAt(i));
    el.addEventListener('keydown', (event) => {
      const key = (event as KeyboardEvent).key;
      const to = key === o.keys[0] ? i - 1 : key === o.keys[1] ? i + 1 : key === 'Home' ? 0 : key === 'End' ? items.length - 1 : null;
      if (to !== null) {
        event.preventDefault();
        items[clamp(to)].focus();
      } else if ((key === 'Enter' || key === ' ') && o.activate) {
        event.preventDefault();
        o.activate(i);
      }
    });
  });
}
