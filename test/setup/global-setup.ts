import { mkdtemp } from 'node:fs/promises';
import { freePort } from '../support/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrator';
import { typeormOptions } from '../../src/database/typeorm-options';
import { TestDatabaseState } from './test-database-state';

/**
 * Gives the run a fresh database built by the migrations: on the server in DATABASE_URL when
 * set, otherwise on a throw-away embedded PostgreSQL. Workers inherit DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const state: TestDatabaseState = { serverUrl: process.env.DATABASE_URL ?? '', database: '' };
  if (!state.serverUrl) {
    const dataDir = await mkdtemp(join(tmpdir(), 'televisit-test-'));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: 'postgres',
      persistent: false,
    });
    state.serverUrl = embedded.url;
    state.stop = embedded.stop;
  }
  state.database = `televisit_test_${process.pid}_${Date.now()}`;
  const url = new URL(state.serverUrl);
  url.pathname = `/${state.database}`;
  await ensureDatabase(url.toString(), state.database);

  const dataSource = await new DataSource(typeormOptions(url.toString())).initialize();
  await runMigrations(dataSource);
  await dataSource.destroy();

  process.env.DATABASE_URL = url.toString();
  process.env.TEST_SERVER_URL = state.serverUrl;
  (globalThis as { __televisitDb?: TestDatabaseState }).__televisitDb = state;
}
