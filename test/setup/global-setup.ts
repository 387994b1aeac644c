import { mkdtemp } from 'node:fs/promises';
import { freePort } from '../support/free-port';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { asUser, ensureLoginRole, LOCAL_SERVING_ROLE } from '../../src/database/database-roles';
import { ensureDatabase, startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrator';
import { typeormOptions } from '../../src/database/typeorm-options';
import { TestDatabaseState } from './test-database-state';

/**
 * Gives the run a fresh database built by the migrations: on the server in DATABASE_URL when
 * set (as a role that may create databases and roles), otherwise on a throw-away embedded
 * PostgreSQL. As the service is deployed, that role owns the schema and the tests' service
 * serves as `LOCAL_SERVING_ROLE`, which owns nothing. Workers inherit DATABASE_URL (the
 * serving role's), MIGRATION_DATABASE_URL (the owner's) and TEST_SERVER_URL (the server's).
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
  await ensureLoginRole(state.serverUrl, LOCAL_SERVING_ROLE);
  state.database = `televisit_test_${process.pid}_${Date.now()}`;
  const url = new URL(state.serverUrl);
  url.pathname = `/${state.database}`;
  const ownerUrl = url.toString();
  await ensureDatabase(ownerUrl, state.database);

  const dataSource = await new DataSource(typeormOptions(ownerUrl)).initialize();
  await runMigrations(dataSource, LOCAL_SERVING_ROLE.user);
  await dataSource.destroy();

  process.env.DATABASE_URL = asUser(ownerUrl, LOCAL_SERVING_ROLE.user, LOCAL_SERVING_ROLE.password);
  process.env.MIGRATION_DATABASE_URL = ownerUrl;
  process.env.TEST_SERVER_URL = state.serverUrl;
  (globalThis as { __televisitDb?: TestDatabaseState }).__televisitDb = state;
}
