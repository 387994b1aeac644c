import { Client } from 'pg';
import { makePatient, TestUser } from '../support/factories';
import { startInstance, Instance } from '../support/instances';
import { OwnPostgres } from '../support/own-postgres';
import { SignalingClient } from '../support/signaling-client';

/**
 * Upgrades refused while the database was frozen must not count against the user's socket cap
 * once it is back. Their claims' statements were sent to the frozen server, which ran (and
 * committed) them when it thawed, long after their clients had been answered 503.
 */
describe('the socket cap after a database freeze (e2e, a PostgreSQL of the test’s own)', () => {
  const CAP = 1;
  const BEAT_MS = 2_000;
  let db: OwnPostgres;
  let instance: Instance;
  let patient: TestUser;

  beforeAll(async () => {
    db = await OwnPostgres.start();
    instance = await startInstance('cap', db.env, {
      DB_STATEMENT_TIMEOUT_MS: '1000',
      DB_POOL_ACQUIRE_TIMEOUT_MS: '1000',
      WS_MAX_SOCKETS_PER_USER: String(CAP),
      INSTANCE_HEARTBEAT_MS: String(BEAT_MS),
      INSTANCE_DEAD_AFTER_MS: String(10 * BEAT_MS),
    });
    patient = await makePatient(instance.api);
  }, 120_000);

  afterAll(async () => {
    await SignalingClient.closeAll();
    await instance?.close();
    await db?.close();
  });

  async function socketRows(): Promise<number> {
    const client = new Client({ connectionString: db.env.MIGRATION_DATABASE_URL });
    await client.connect();
    try {
      const { rows } = await client.query('SELECT 1 FROM sockets WHERE user_id = $1', [patient.id]);
      return rows.length;
    } finally {
      await client.end();
    }
  }

  it('releases the claims of upgrades refused during the freeze within a beat or two of the thaw', async () => {
    // The ghosts this is about: claims run by the server as it thawed. On a loaded machine an
    // upgrade may be refused before its claim reached the server; then the freeze is tried again.
    let thawedAt = 0;
    let ghosts = 0;
    for (let attempt = 0; attempt < 3 && ghosts === 0; attempt += 1) {
      // The login was just checked: the upgrades go straight to their claims.
      await (await SignalingClient.open(instance.baseUrl, { token: patient.token })).close();
      await db.freeze();
      try {
        const refusals = await Promise.all(
          Array.from({ length: CAP + 1 }, () =>
            SignalingClient.refusal(instance.baseUrl, { token: patient.token }),
          ),
        );
        expect(refusals.map((r) => r.status)).toEqual(Array(CAP + 1).fill(503));
      } finally {
        await db.thaw();
        thawedAt = Date.now();
      }
      // Their statements ran once the server thawed: the user seems to be at the cap.
      const deadline = Date.now() + 3_000;
      while (ghosts === 0 && Date.now() < deadline) {
        ghosts = await socketRows();
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
    }
    expect(ghosts).toBeGreaterThanOrEqual(CAP);

    // Well before the old backstop (6 beats, rows at least 10 s old) could have run.
    let opened: SignalingClient | undefined;
    let last: unknown;
    while (!opened && Date.now() - thawedAt < 2.5 * BEAT_MS) {
      opened = await SignalingClient.open(instance.baseUrl, { token: patient.token }).catch(
        (error: { status?: number }) => {
          last = error.status;
          return undefined;
        },
      );
      if (!opened) {
        await new Promise((resolve) => setTimeout(resolve, 200));
      }
    }
    expect(opened ? 'opened' : `refused with ${String(last)}`).toBe('opened');
    // And the cap still holds: the one open socket is all that is counted.
    expect(await socketRows()).toBe(1);
  }, 60_000);
});
