import type { DataSourceOptions } from 'typeorm';
import type { DatabaseSettings } from '../config/app-config';
import { MIGRATIONS } from './migrations';

/** The client gives up on a statement this long after Postgres should have cancelled it. */
const CLIENT_TIMEOUT_MARGIN_MS = 500;

/**
 * Options shared by the app and the migration CLI. The schema only ever changes by migration.
 * With `limits` (the serving app), nothing waits without bound: not for a connection, a lock,
 * a statement, nor a server that stopped answering (frozen, or cut off without a reset). The
 * CLI and migrations run without them: building an index may take minutes.
 */
export function typeormOptions(databaseUrl: string, limits?: DatabaseSettings): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    extra: {
      application_name: 'televisit',
      max: limits?.poolSize ?? 10,
      // A connection that cannot be had in time fails instead of queueing forever.
      connectionTimeoutMillis: limits?.acquireTimeoutMs ?? 10_000,
      // A dead peer is noticed by the kernel instead of after the default two hours.
      keepAlive: true,
      ...(limits && {
        statement_timeout: limits.statementTimeoutMs,
        lock_timeout: limits.lockTimeoutMs,
        idle_in_transaction_session_timeout: limits.statementTimeoutMs * 5,
        // A frozen server cancels nothing: the client stops waiting on its own.
        query_timeout: limits.statementTimeoutMs + CLIENT_TIMEOUT_MARGIN_MS,
      }),
    },
  };
}
