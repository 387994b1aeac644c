import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp } from './app.factory';
import { beginDrain, finishDrain } from './health/drain';
import type { AppConfig } from './config/app-config';
import { loadConfig } from './config/load-config';
import { RunningPostgres, startEmbeddedPostgres } from './database/embedded-postgres';
import { PostgresStartError } from './database/postgres-process';
import { createLogger } from './common/logging';
import { servingUrls } from './common/serving-urls';
import { startThreadPoolAtLowestPriority } from './common/thread-pool-priority';

// In-flight requests get DRAIN_TIMEOUT_MS; the whole stop, SHUTDOWN_TIMEOUT_MS, or the process
// exits anyway (compose's stop_grace_period is 40 s).
const DRAIN_TIMEOUT_MS = 20_000;
const SHUTDOWN_TIMEOUT_MS = 30_000;

async function bootstrap(): Promise<void> {
  // Before anything else uses libuv's pool: argon2 runs there, and must yield to the loop.
  await startThreadPoolAtLowestPriority();
  let config: AppConfig;
  try {
    config = loadConfig();
  } catch (error) {
    process.stderr.write(`${(error as Error).message}\n`);
    process.exit(1);
  }

  const log = createLogger(config);
  let embedded: RunningPostgres | undefined;
  let { databaseUrl, migrationDatabaseUrl } = config;
  if (!databaseUrl) {
    log.info(
      { dataDir: config.dataDir, port: config.embeddedPostgresPort },
      'No DATABASE_URL: starting the embedded PostgreSQL',
    );
    embedded = await startEmbeddedPostgres({
      dataDir: config.dataDir,
      port: config.embeddedPostgresPort,
      database: 'televisit',
    });
    // Migrated by its superuser, served by a role that owns nothing: as in production.
    databaseUrl = embedded.servingUrl;
    migrationDatabaseUrl = embedded.url;
  }

  const app = await createApp({ ...config, databaseUrl, migrationDatabaseUrl });
  await app.listen(config.port, config.host);
  const address = app.getHttpServer().address() as AddressInfo;
  const urls = servingUrls(config.host, address.port, config.publicUrl);
  log.info(
    urls,
    `Serving the API at ${urls.api} (docs ${urls.docs}, web app ${urls.app}, socket ${urls.websocket})`,
  );

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) {
      return;
    }
    stopping = true;
    setTimeout(() => process.exit(1), SHUTDOWN_TIMEOUT_MS).unref();
    log.info({ signal }, 'Draining: refusing new sockets, finishing requests, then stopping');
    beginDrain(app);
    await finishDrain(app, DRAIN_TIMEOUT_MS);
    await embedded?.stop();
    process.exit(0);
  };
  process.once('SIGTERM', () => void stop('SIGTERM'));
  process.once('SIGINT', () => void stop('SIGINT'));
}

bootstrap().catch((error: unknown) => {
  // A refusal we can explain is said in words; anything else with its stack.
  const why =
    error instanceof PostgresStartError
      ? error.message
      : error instanceof Error
        ? (error.stack ?? error.message)
        : String(error);
  process.stderr.write(`Failed to start: ${why}\n`);
  process.exit(1);
});
