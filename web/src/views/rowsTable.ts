// A plain table of data rows (line numbers, texts, labels), as the training panel lists them.

export function rowsTable(headers: string[], rows: (string | number)[][], testid: string): HTMLTableElement {
  const tableEl = document.createElement('table');
  tableEl.className = 'rows';
  tableEl.dataset.testid = testid;
  const head = tableEl.createTHead().insertRow();
  for (const h of headers) head.appendChild(document.createElement('th')).textContent = h;
  const body = tableEl.createTBody();
  for (const r of rows) {
    const tr = body.insertRow();
    for (const cell of r) tr.insertCell().textContent = String(cell);
  }
  return tableEl;
}
