import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startEmbeddedPostgres } from '../../src/database/embedded-postgres';
import { createScratchDatabase } from '../../test/support/db';
import { freePort } from '../../test/support/free-port';

/**
 * A fresh database for one benchmark run: on the server of DATABASE_URL when set, else on an
 * embedded PostgreSQL started for the run.
 */
export async function benchDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  let serverUrl = process.env.DATABASE_URL;
  let stopServer = (): Promise<unknown> => Promise.resolve();
  if (!serverUrl) {
    const dataDir = mkdtempSync(join(tmpdir(), 'televisit-bench-pg-'));
    const embedded = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      database: 'postgres',
      persistent: false,
    });
    serverUrl = embedded.url;
    stopServer = async () => {
      await embedded.stop();
      rmSync(dataDir, { recursive: true, force: true });
    };
  }
  const scratch = await createScratchDatabase('televisit_bench', serverUrl);
  return {
    url: scratch.url,
    async drop() {
      await scratch.drop().catch(() => undefined);
      await stopServer();
    },
  };
}
