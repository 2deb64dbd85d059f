// One thing at a time: work handed to `take` runs after the work before it has finished (or
// failed), never beside it. The worker uses one for loading and switching models, and one per
// training run, so a chunk of training steps, a checkpoint and an export never overlap.

export class Turns {
  private tail: Promise<unknown> = Promise.resolve();

  take<T>(work: () => Promise<T>): Promise<T> {
    const next = this.tail.then(work, work);
    this.tail = next.catch(() => null);
    return next;
  }
}
