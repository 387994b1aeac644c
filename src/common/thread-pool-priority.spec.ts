import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..', '..');

/** In a fresh Node process (this one's pool has long started): the nice value of each thread. */
function niceValuesAfterStart(): { lowered: number; nice: number[] } {
  const script = `
    const { readdirSync, readFileSync } = require('node:fs');
    const { startThreadPoolAtLowestPriority } = require('./src/common/thread-pool-priority');
    startThreadPoolAtLowestPriority().then((lowered) => {
      const nice = readdirSync('/proc/self/task').map((tid) =>
        Number(readFileSync('/proc/self/task/' + tid + '/stat', 'utf8').split(') ')[1].split(' ')[16]));
      process.stdout.write(JSON.stringify({ lowered, nice }));
    });`;
  const out = execFileSync(process.execPath, ['-r', './scripts/ts-register.cjs', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as { lowered: number; nice: number[] };
}

const linux = process.platform === 'linux' ? describe : describe.skip;

linux('startThreadPoolAtLowestPriority', () => {
  it('puts the pool’s threads, and only those, at the lowest priority', () => {
    const { lowered, nice } = niceValuesAfterStart();

    expect(lowered).toBeGreaterThan(0);
    expect(nice.filter((value) => value === 19)).toHaveLength(lowered);
    // The main thread (and V8's own) keep their priority.
    expect(nice.filter((value) => value === 0).length).toBeGreaterThan(0);
  });
});
