interface Waiting<T, R> {
  item: T;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
}

/** What a batch answers for each item, in the items' order: a result, or the error to throw. */
export type BatchOutcome<R> = { ok: true; value: R } | { ok: false; error: unknown };

/**
 * Runs many small jobs as few batches: items added while a batch runs wait and go together in
 * the next one (up to `maxBatch`), so under load one database transaction serves many callers,
 * and alone an item goes at once. Batches run one at a time, in the order items were added.
 * When a batch fails as a whole, every item in it fails with that error.
 */
export class Coalescer<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private running = false;

  constructor(
    private readonly run: (items: T[]) => Promise<BatchOutcome<R>[]>,
    private readonly maxBatch = 200,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (!this.running) {
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    this.running = true;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          const outcomes = await this.run(batch.map((w) => w.item));
          batch.forEach((w, i) => {
            const outcome = outcomes[i];
            if (outcome.ok) {
              w.resolve(outcome.value);
            } else {
              w.reject(outcome.error);
            }
          });
        } catch (error) {
          batch.forEach((w) => w.reject(error));
        }
      }
    } finally {
      this.running = false;
    }
  }
}
