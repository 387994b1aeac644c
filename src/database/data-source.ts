import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { typeormOptions } from './typeorm-options';

/**
 * The data source for the TypeORM CLI (`npm run migration:run`, `npm run migration:revert`):
 * as MIGRATION_DATABASE_URL (the owner) when set, else DATABASE_URL. The app itself runs
 * pending migrations on start, and then grants the serving role its rights.
 */
const config = loadConfig();
const url = config.migrationDatabaseUrl ?? config.databaseUrl;
if (!url) {
  throw new Error(
    'DATABASE_URL (or MIGRATION_DATABASE_URL) must be set to run migrations from the command line',
  );
}
export default new DataSource(typeormOptions(url));
