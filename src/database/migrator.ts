import type { DataSource } from 'typeorm';

// Any fixed 64-bit number; instances starting together take turns on it.
const MIGRATION_LOCK = 7_146_227_301;

/**
 * Runs pending migrations, one instance at a time: several instances starting against one
 * database would otherwise race to apply the same migration. With `servingRole`, the data
 * source is the owner's, and the role the service serves as then gets its rights (migration
 * 7's `grant_serving_role`): every start re-applies them, so tables added since are covered.
 */
export async function runMigrations(dataSource: DataSource, servingRole?: string): Promise<void> {
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK]);
    await dataSource.runMigrations({ transaction: 'each' });
    if (servingRole !== undefined) {
      // Under the lock too: two GRANTs on one table at once can fail ("tuple concurrently updated").
      await lock.query('SELECT grant_serving_role($1)', [servingRole]);
    }
  } finally {
    await lock.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK]).catch(() => undefined);
    await lock.release();
  }
}
