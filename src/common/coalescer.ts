import { isDatabaseUnavailable } from '../database/database-unavailable';

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
 * When a batch fails as a whole (a deadlock, one bad item), each of its items is run again
 * alone, so one item's trouble is not everyone's. When it failed because the database cannot
 * be reached, every item fails at once: retrying each alone would hold the items behind them
 * for one timeout each, and none of them can succeed until the database is back.
 */
export class Coalescer<T, R> {
  private readonly waiting: Waiting<T, R>[] = [];
  private running = 0;

  /**
   * `lanes`: how many batches may run at once (1: strictly one after another). More lanes
   * shorten the wait behind a slow batch, for work whose batches may safely overlap.
   */
  constructor(
    private readonly run: (items: T[]) => Promise<BatchOutcome<R>[]>,
    private readonly maxBatch = 200,
    private readonly lanes = 1,
  ) {}

  add(item: T): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      this.waiting.push({ item, resolve, reject });
      if (this.running < this.lanes) {
        void this.drain();
      }
    });
  }

  private async drain(): Promise<void> {
    this.running += 1;
    try {
      while (this.waiting.length > 0) {
        const batch = this.waiting.splice(0, this.maxBatch);
        try {
          settle(batch, await this.run(batch.map((w) => w.item)));
        } catch (error) {
          if (batch.length === 1 || isDatabaseUnavailable(error)) {
            batch.forEach((waiting) => waiting.reject(error));
            continue;
          }
          for (const waiting of batch) {
            try {
              settle([waiting], await this.run([waiting.item]));
            } catch (alone) {
              waiting.reject(alone);
            }
          }
        }
      }
    } finally {
      this.running -= 1;
    }
  }
}

function settle<T, R>(batch: Waiting<T, R>[], outcomes: BatchOutcome<R>[]): void {
  batch.forEach((waiting, i) => {
    const outcome = outcomes[i];
    if (outcome.ok) {
      waiting.resolve(outcome.value);
    } else {
      waiting.reject(outcome.error);
    }
  });
}
