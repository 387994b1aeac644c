import { Logger } from '@nestjs/common';
import { DataSource, DataSourceOptions } from 'typeorm';
import { auditLogExposure, userOf } from './database-roles';
import { runMigrations } from './migrator';
import { typeormOptions } from './typeorm-options';

export interface DatabaseUrls {
  /** The role the service serves as. */
  databaseUrl: string;
  /** The role that owns the schema and runs the migrations; unset: the serving role does. */
  migrationDatabaseUrl?: string;
}

const logger = new Logger('Database');

/**
 * The service's data source, opened once pending migrations have run: as the owner when the
 * two roles are apart (who then grants the serving role its rights), else as the one role.
 * A serving role that could change the audit log is logged as a warning at every start.
 */
export async function openDatabase(
  options: DataSourceOptions,
  urls: DatabaseUrls,
): Promise<DataSource> {
  // On a connection of its own, without the serving limits: a migration may take minutes.
  const migrating = await new DataSource(
    typeormOptions(urls.migrationDatabaseUrl ?? urls.databaseUrl),
  ).initialize();
  try {
    await runMigrations(
      migrating,
      urls.migrationDatabaseUrl ? userOf(urls.databaseUrl) : undefined,
    );
  } finally {
    await migrating.destroy();
  }
  const dataSource = await new DataSource(options).initialize();
  const reason = await auditLogExposure(dataSource);
  if (reason) {
    logger.warn(
      { reason },
      'The audit log is not append-only for the role the service serves as: set MIGRATION_DATABASE_URL to the owner and DATABASE_URL to a role that owns nothing (README, "Running against your own PostgreSQL")',
    );
  }
  return dataSource;
}
