#!/usr/bin/env node
// Runs a command against a PostgreSQL as the service is deployed on it: MIGRATION_DATABASE_URL
// the owner's (the caller's DATABASE_URL if given, a role that may create roles; else a
// throw-away embedded PostgreSQL's superuser, stopped after) and DATABASE_URL the serving
// role's, created there if missing. Uses the built app's helpers: run `npm run build` first.
//
// Usage: node scripts/with-postgres.mjs <command> [args…]
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const require = createRequire(import.meta.url);
const {
  asUser,
  ensureLoginRole,
  LOCAL_SERVING_ROLE,
} = require('../dist/src/database/database-roles.js');
const [command, ...args] = process.argv.slice(2);
let stop = async () => undefined;
let ownerUrl = process.env.DATABASE_URL;
if (!ownerUrl) {
  const { startEmbeddedPostgres } = require('../dist/src/database/embedded-postgres.js');
  const server = await startEmbeddedPostgres({
    dataDir: mkdtempSync(join(tmpdir(), 'televisit-pg-')),
    port: 55000 + Math.floor(Math.random() * 5000),
    database: 'televisit',
    persistent: false,
  });
  ownerUrl = server.url;
  stop = server.stop;
}
await ensureLoginRole(ownerUrl, LOCAL_SERVING_ROLE);
const result = spawnSync(command, args, {
  stdio: 'inherit',
  env: {
    ...process.env,
    DATABASE_URL: asUser(ownerUrl, LOCAL_SERVING_ROLE.user, LOCAL_SERVING_ROLE.password),
    MIGRATION_DATABASE_URL: ownerUrl,
  },
});
await stop();
process.exit(result.status ?? 1);
