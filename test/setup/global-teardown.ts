import { Client } from 'pg';
import { TestDatabaseState } from './test-database-state';

export default async function globalTeardown(): Promise<void> {
  const state = (globalThis as { __televisitDb?: TestDatabaseState }).__televisitDb;
  if (!state) {
    return;
  }
  if (state.stop) {
    await state.stop();
    return;
  }
  const client = new Client({ connectionString: state.serverUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS "${state.database}" WITH (FORCE)`);
  } finally {
    await client.end();
  }
}
