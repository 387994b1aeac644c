import { BatchOutcome, Coalescer } from './coalescer';

/**
 * A coalescer whose first batch waits until `release()`, so the items added meanwhile gather;
 * `answer` gives each batch's outcomes. `batches` records what each run was given.
 */
function heldFirstBatch(answer: (items: number[]) => BatchOutcome<number>[]) {
  const batches: number[][] = [];
  let release = () => {};
  const coalescer = new Coalescer<number, number>(async (items) => {
    batches.push(items);
    if (batches.length === 1) {
      await new Promise<void>((resolve) => (release = resolve));
    }
    return answer(items);
  });
  return { coalescer, batches, release: () => release() };
}

describe('Coalescer', () => {
  it('runs a lone item at once, and items added meanwhile together in the next batch', async () => {
    const { coalescer, batches, release } = heldFirstBatch((items) =>
      items.map((item) => ({ ok: true, value: item * 10 })),
    );
    const first = coalescer.add(1);
    const later = [coalescer.add(2), coalescer.add(3), coalescer.add(4)];
    expect(batches).toEqual([[1]]);
    release();
    await expect(first).resolves.toBe(10);
    await expect(Promise.all(later)).resolves.toEqual([20, 30, 40]);
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('with two lanes, starts a second batch while the first runs, and gathers the rest behind them', async () => {
    const batches: number[][] = [];
    const releases: (() => void)[] = [];
    const coalescer = new Coalescer<number, number>(
      async (items) => {
        batches.push(items);
        await new Promise<void>((resolve) => releases.push(resolve));
        return items.map((item) => ({ ok: true, value: item }));
      },
      200,
      2,
    );
    const all = [1, 2, 3, 4].map((item) => coalescer.add(item));
    expect(batches).toEqual([[1], [2]]);
    releases[1]();
    await all[1];
    expect(batches).toEqual([[1], [2], [3, 4]]);
    releases[0]();
    releases[2]();
    await expect(Promise.all(all)).resolves.toEqual([1, 2, 3, 4]);
  });

  it('answers each item with its own outcome', async () => {
    const coalescer = new Coalescer<number, number>((items) =>
      Promise.resolve(
        items.map((item): BatchOutcome<number> =>
          item % 2 === 0
            ? { ok: true, value: item }
            : { ok: false, error: new Error(`odd ${item}`) },
        ),
      ),
    );
    const results = await Promise.allSettled([1, 2, 3].map((item) => coalescer.add(item)));
    expect(results).toEqual([
      { status: 'rejected', reason: new Error('odd 1') },
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('odd 3') },
    ]);
  });

  it('runs each item of a failed batch again alone, so only the item at fault fails', async () => {
    const { coalescer, batches, release } = heldFirstBatch((items) => {
      if (items.includes(3)) {
        throw new Error('3 breaks any batch it is in');
      }
      return items.map((item) => ({ ok: true, value: item }));
    });
    const first = coalescer.add(1);
    const rest = [2, 3, 4].map((item) => coalescer.add(item));
    release();
    await expect(first).resolves.toBe(1);
    const results = await Promise.allSettled(rest);
    expect(results).toEqual([
      { status: 'fulfilled', value: 2 },
      { status: 'rejected', reason: new Error('3 breaks any batch it is in') },
      { status: 'fulfilled', value: 4 },
    ]);
    expect(batches).toEqual([[1], [2, 3, 4], [2], [3], [4]]);
    await expect(coalescer.add(5)).resolves.toBe(5);
  });

  it('fails every item of a batch at once when the database cannot be reached', async () => {
    const unreachable = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {
      code: 'ECONNREFUSED',
    });
    const { coalescer, batches, release } = heldFirstBatch((items) => {
      if (items.length > 1) {
        throw unreachable;
      }
      return items.map((item) => ({ ok: true, value: item }));
    });
    const first = coalescer.add(1);
    const rest = [2, 3, 4].map((item) => coalescer.add(item));
    release();
    await expect(first).resolves.toBe(1);
    const results = await Promise.allSettled(rest);
    expect(results).toEqual([2, 3, 4].map(() => ({ status: 'rejected', reason: unreachable })));
    // No item was run again alone: each would have waited for its own timeout.
    expect(batches).toEqual([[1], [2, 3, 4]]);
  });

  it('keeps batches within the maximum size', async () => {
    const sizes: number[] = [];
    const coalescer = new Coalescer<number, number>(async (items) => {
      sizes.push(items.length);
      await new Promise((resolve) => setImmediate(resolve));
      return items.map((item) => ({ ok: true, value: item }));
    }, 2);
    await Promise.all([1, 2, 3, 4, 5].map((item) => coalescer.add(item)));
    expect(sizes).toEqual([1, 2, 2]);
  });
});
