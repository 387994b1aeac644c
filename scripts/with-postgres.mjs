#!/usr/bin/env node
// Runs a command with DATABASE_URL set: the caller's if given, else a throw-away embedded
// PostgreSQL (from the built app's helper; run `npm run build` first) that is stopped after.
//
// Usage: node scripts/with-postgres.mjs <command> [args…]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const [command, ...args] = process.argv.slice(2);
let stop = async () => undefined;
let url = process.env.DATABASE_URL;
if (!url) {
  const require = createRequire(import.meta.url);
  const { startEmbeddedPostgres } = require('../dist/src/database/embedded-postgres.js');
  const server = await startEmbeddedPostgres({
    dataDir: mkdtempSync(join(tmpdir(), 'televisit-pg-')),
    port: 55000 + Math.floor(Math.random() * 5000),
    database: 'televisit',
    persistent: false,
  });
  url = server.url;
  stop = server.stop;
}
const result = spawnSync(command, args, {
  stdio: 'inherit',
  env: { ...process.env, DATABASE_URL: url },
});
await stop();
process.exit(result.status ?? 1);
