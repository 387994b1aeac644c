import { Slots } from './slots';

/** A task that runs until released, recording how many run at once. */
function gatedTasks() {
  let now = 0;
  let most = 0;
  const started: number[] = [];
  const gates: (() => void)[] = [];
  const task = (id: number) => () => {
    now += 1;
    most = Math.max(most, now);
    started.push(id);
    return new Promise<number>((resolve) =>
      gates.push(() => {
        now -= 1;
        resolve(id);
      }),
    );
  };
  return { task, started, gates, most: () => most };
}

const tick = () => new Promise((resolve) => setImmediate(resolve));

describe('Slots', () => {
  it('runs at most `size` tasks at once, the others in arrival order', async () => {
    const slots = new Slots(2);
    const t = gatedTasks();
    const results = [1, 2, 3, 4, 5].map((id) => slots.run(t.task(id)));
    await tick();
    expect(t.started).toEqual([1, 2]);
    t.gates.shift()!();
    await tick();
    expect(t.started).toEqual([1, 2, 3]);
    // A newcomer arriving as a slot frees does not jump the queue.
    const late = slots.run(t.task(6));
    t.gates.shift()!();
    await tick();
    expect(t.started).toEqual([1, 2, 3, 4]);
    while (t.gates.length > 0) {
      t.gates.shift()!();
      await tick();
    }
    await expect(Promise.all([...results, late])).resolves.toEqual([1, 2, 3, 4, 5, 6]);
    expect(t.most()).toBe(2);
  });

  it('frees the slot of a task that fails', async () => {
    const slots = new Slots(1);
    await expect(slots.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(slots.run(() => Promise.resolve('next'))).resolves.toBe('next');
  });
});
