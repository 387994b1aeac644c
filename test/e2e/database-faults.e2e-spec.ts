import { Client } from 'pg';
import { makePatient, makeStaff, slot, TestUser } from '../support/factories';
import { OwnPostgres } from '../support/own-postgres';
import { SignalingClient } from '../support/signaling-client';
import { startInstance, Instance } from '../support/instances';
import { adminOf } from '../support/visits';

/** Settings that make a fault show within seconds instead of the defaults' tens of seconds. */
const FAST_FAILING = {
  DB_STATEMENT_TIMEOUT_MS: '1000',
  DB_POOL_ACQUIRE_TIMEOUT_MS: '1000',
};

/** What a client sees for a request while the database is away: an answer, never a hang. */
async function answered(request: Promise<{ status: number; headers: Headers; body: any }>) {
  const response = await request;
  return {
    status: response.status,
    code: (response.body as { code?: string } | undefined)?.code,
    retryAfter: response.headers.get('retry-after'),
  };
}

const UNAVAILABLE = { status: 503, code: 'SERVICE_UNAVAILABLE', retryAfter: expect.any(String) };

async function eventually<T>(probe: () => Promise<T>, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) {
      return value;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

describe('database faults (e2e, a PostgreSQL of the test’s own)', () => {
  let db: OwnPostgres;
  let instance: Instance;
  let patient: TestUser;
  let clinician: TestUser;

  beforeAll(async () => {
    db = await OwnPostgres.start();
    instance = await startInstance('faults', db.env, FAST_FAILING);
    const admin = await adminOf(instance);
    patient = await makePatient(instance.api);
    clinician = await makeStaff(instance.api, admin.token);
  }, 120_000);

  afterAll(async () => {
    await SignalingClient.closeAll();
    await instance?.close();
    await db?.close();
  });

  const book = () =>
    instance.api.post(
      '/api/appointments',
      { clinicianId: clinician.id, ...slot(24 * 60 + Math.floor(Math.random() * 10_000)) },
      { token: patient.token },
    );

  it('answers 503 with Retry-After while the database is stopped, and serves again once it is back', async () => {
    await db.stopHard();
    try {
      await expect(answered(book())).resolves.toEqual(UNAVAILABLE);
      await expect(
        answered(instance.api.get('/api/appointments', { token: patient.token })),
      ).resolves.toEqual(UNAVAILABLE);
      await expect(
        answered(
          instance.api.post('/api/auth/login', {
            email: patient.email,
            password: patient.password,
          }),
        ),
      ).resolves.toEqual(UNAVAILABLE);
      await expect(answered(instance.api.get('/health/ready'))).resolves.toMatchObject({
        status: 503,
      });
      const refusal = await SignalingClient.refusal(instance.baseUrl, { token: patient.token });
      expect(refusal.status).toBe(503);
    } finally {
      await db.restart();
    }
    const after = await eventually(book, (response) => response.status === 201);
    expect(after.status).toBe(201);
    // Logged once when it starts and once when it ends, however many requests it refused.
    const outage = await eventually(
      () => Promise.resolve(instance.warnings().filter((message) => /database/i.test(message))),
      (lines) => lines.length >= 2,
    );
    expect(outage).toEqual(['The database is unavailable', 'The database is reachable again']);
    expect(instance.errors()).toEqual([]);
  });

  it('answers every request while the database is frozen, and serves again once it thaws', async () => {
    const visit = await book();
    const socket = await SignalingClient.open(instance.baseUrl, { token: patient.token });
    await db.freeze();
    try {
      // The first wave finds the pool's connections open (and stuck); the second finds them
      // still stuck, and new ones unable to connect.
      for (let wave = 0; wave < 2; wave += 1) {
        const during = await Promise.all([
          answered(book()),
          answered(instance.api.get('/api/appointments', { token: patient.token })),
          answered(instance.api.get('/health/ready')),
          socket
            .request('session.join', { appointmentId: visit.body.id })
            .then((frame) => (frame.event === 'ack' ? 'joined' : frame.data.code)),
        ]);
        expect(during).toEqual([UNAVAILABLE, UNAVAILABLE, UNAVAILABLE, 'SERVICE_UNAVAILABLE']);
      }
      const refusal = await SignalingClient.refusal(instance.baseUrl, { token: patient.token });
      expect(refusal.status).toBe(503);
    } finally {
      await db.thaw();
    }
    expect(socket.isOpen).toBe(true);
    const after = await eventually(book, (response) => response.status === 201);
    expect(after.status).toBe(201);
  });

  it('answers 503 instead of waiting behind a lock held elsewhere, and serves once it is released', async () => {
    const other = await makePatient(instance.api);
    const holder = new Client({ connectionString: db.env.MIGRATION_DATABASE_URL });
    await holder.connect();
    try {
      // A transaction stuck while holding the patient's live-state lock (as a hung process would).
      await holder.query('BEGIN');
      await holder.query(
        `SELECT pg_advisory_xact_lock(hashtextextended('realtime:user:' || $1, 0))`,
        [patient.id],
      );
      const refusal = await SignalingClient.refusal(instance.baseUrl, { token: patient.token });
      expect(refusal).toMatchObject({ status: 503, body: { code: 'SERVICE_UNAVAILABLE' } });
      // Everyone else is served meanwhile.
      const unaffected = await SignalingClient.open(instance.baseUrl, { token: other.token });
      expect(unaffected.isOpen).toBe(true);
      await holder.query('ROLLBACK');
      const after = await SignalingClient.open(instance.baseUrl, { token: patient.token });
      expect(after.isOpen).toBe(true);
    } finally {
      await holder.end();
    }
  });
});
