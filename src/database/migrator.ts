import type { DataSource } from 'typeorm';

// Any fixed 64-bit number; instances starting together take turns on it.
const MIGRATION_LOCK = 7_146_227_301;

/**
 * Runs pending migrations, one instance at a time: several instances starting against one
 * database would otherwise race to apply the same migration.
 */
export async function runMigrations(dataSource: DataSource): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}
