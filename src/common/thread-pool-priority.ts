import { readdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { setPriority } from 'node:os';

/** The lowest scheduling priority Linux gives a thread (its nice value). */
const LOWEST = 19;

/**
 * Starts libuv's thread pool and puts its threads at the lowest priority, so that the work
 * that runs there, argon2 above all, only takes a core the event loop does not want: on a
 * small box a steady stream of logins would otherwise take a whole core from the loop (see
 * docs/decisions.md). Call it first thing at start-up: Node 20 does not name the pool's
 * threads, so they are told apart as the ones that appear when the pool starts.
 *
 * Best effort, Linux only (it reads /proc); answers how many threads it lowered (none when the
 * pool had already started, or elsewhere than Linux).
 */
export async function startThreadPoolAtLowestPriority(): Promise<number> {
  const threads = () => readdirSync('/proc/self/task');
  let before: Set<string>;
  try {
    before = new Set(threads());
  } catch {
    return 0; // not Linux
  }
  await stat('/'); // the pool's first job starts it
  let lowered = 0;
  for (const tid of threads().filter((id) => !before.has(id))) {
    try {
      setPriority(Number(tid), LOWEST);
      lowered += 1;
    } catch {
      // Gone meanwhile, or not ours to change.
    }
  }
  return lowered;
}
