// A child process that starts an embedded PostgreSQL for one fault test (the package is ESM,
// which jest's workers cannot import) and builds its schema by the migrations on first start.
// Prints one JSON line {url} once the server takes connections, then waits to be killed.
//
// Usage: node -r scripts/ts-register.cjs test/support/own-postgres-server.ts <dataDir> <port>
import { DataSource } from 'typeorm';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { runMigrations } from '../../src/database/migrator';
import { typeormOptions } from '../../src/database/typeorm-options';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  const running = await startEmbeddedPostgres({
    dataDir,
    port: Number(port),
    database: 'televisit',
  });
  const dataSource = await new DataSource(typeormOptions(running.url)).initialize();
  try {
    await runMigrations(dataSource);
  } finally {
    await dataSource.destroy();
  }
  process.stdout.write(`${JSON.stringify({ url: running.url })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
