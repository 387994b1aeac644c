import { DataSource } from 'typeorm';
import { loadConfig } from '../config/load-config';
import { typeormOptions } from './typeorm-options';

/**
 * The data source for the TypeORM CLI (`npm run migration:run`, `npm run migration:revert`).
 * It needs DATABASE_URL; the app itself runs pending migrations on start.
 */
const config = loadConfig();
if (!config.databaseUrl) {
  throw new Error('DATABASE_URL must be set to run migrations from the command line');
}
export default new DataSource(typeormOptions(config.databaseUrl));
