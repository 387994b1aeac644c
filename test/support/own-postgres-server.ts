// A child process that starts an embedded PostgreSQL for one fault test (the package is ESM,
// which jest's workers cannot import). Prints one JSON line {url, servingUrl} once the server
// takes connections, then waits to be killed. The service it is given to migrates it.
//
// Usage: node -r scripts/ts-register.cjs test/support/own-postgres-server.ts <dataDir> <port>
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';

async function main(): Promise<void> {
  const [dataDir, port] = process.argv.slice(2);
  const running = await startEmbeddedPostgres({
    dataDir,
    port: Number(port),
    database: 'televisit',
  });
  process.stdout.write(`${JSON.stringify({ url: running.url, servingUrl: running.servingUrl })}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exit(1);
});
