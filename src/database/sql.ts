import type { Pool } from 'pg';
import type { EntityManager } from 'typeorm';
import type { PostgresDriver } from 'typeorm/driver/postgres/PostgresDriver';

/**
 * Runs SQL and returns its rows. TypeORM answers `[rows, count]` for UPDATE and DELETE but
 * plain rows otherwise; with RETURNING, callers only ever want the rows.
 */
export async function sql<T>(
  manager: EntityManager,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  if (!manager.queryRunner) {
    // Outside a transaction, straight to the pool: TypeORM would build (and tear down) a query
    // runner around every statement, which costs about as much as the statement itself.
    const pool = (manager.connection.driver as PostgresDriver).master as Pool;
    return (await pool.query(text, params)).rows as T[];
  }
  const result: unknown = await manager.query(text, params);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
