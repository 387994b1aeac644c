import type { DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

/** Connections in each instance's pool. */
export const POOL_SIZE = 20;

/** Options shared by the app and the migration CLI. The schema only ever changes by migration. */
export function typeormOptions(databaseUrl: string): DataSourceOptions {
  return {
    type: 'postgres',
    url: databaseUrl,
    synchronize: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    // A request that cannot get a connection in time fails instead of queueing forever.
    extra: { max: POOL_SIZE, application_name: 'televisit', connectionTimeoutMillis: 10_000 },
  };
}
