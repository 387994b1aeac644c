#!/usr/bin/env node
// `npm start`'s build step: compiles only when a source is newer than the last build, and never
// deletes a build (another instance started from this checkout may be loading it). Two starts
// at once take turns: the second finds the build fresh and skips it.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmdirSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// npm runs it from the package's root.
const root = process.cwd();
const stamp = join(root, 'dist', '.built');
const lock = join(root, 'dist', '.building');
const SOURCES = ['src', 'migrations', 'client', 'web', 'package.json', 'package-lock.json'];
const TSCONFIGS = ['tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time under `path` (a file or a folder), 0 if it does not exist. */
function newest(path) {
  let stats;
  try {
    stats = statSync(path);
  } catch {
    return 0;
  }
  if (!stats.isDirectory()) {
    return stats.mtimeMs;
  }
  return readdirSync(path).reduce((max, entry) => Math.max(max, newest(join(path, entry))), 0);
}

const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);

mkdirSync(join(root, 'dist'), { recursive: true });
const deadline = Date.now() + 180_000;
for (;;) {
  try {
    mkdirSync(lock);
    break;
  } catch {
    if (Date.now() > deadline) {
      console.error(`Another build seems stuck; remove ${lock} if none is running`);
      process.exit(1);
    }
    sleep(200);
  }
}
let status = 0;
try {
  const sourcesChanged = Math.max(...[...SOURCES, ...TSCONFIGS].map((p) => newest(join(root, p))));
  if (newest(stamp) <= sourcesChanged) {
    const started = new Date();
    status = spawnSync('npm', ['run', 'build'], { cwd: root, stdio: 'inherit' }).status ?? 1;
    if (status === 0) {
      // The build's start time: a source saved while it ran is built next time.
      writeFileSync(stamp, '');
      utimesSync(stamp, started, started);
    }
  }
} finally {
  rmdirSync(lock);
}
process.exit(status);
