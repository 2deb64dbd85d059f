/** A task's JSON text, posted as one string and parsed once on the page: cloning the parsed
 * nested arrays (every attention and hidden state) across the worker boundary costs more. `T`
 * is what the page gets after parsing. */
export class JsonText<T> {
  declare readonly parsed: T;
  constructor(readonly text: string) {}
}
