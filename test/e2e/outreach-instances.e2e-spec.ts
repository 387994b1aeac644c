import { Client } from 'pg';
import webpush from 'web-push';
import { createScratchDatabase } from '../support/db';
import { makePatient, makeStaff, slot, TestUser } from '../support/factories';
import { Instance, startInstance } from '../support/instances';
import { PushService } from '../support/push-service';

const vapid = webpush.generateVAPIDKeys();
/** Every instance polls its outbox often and knows the same VAPID pair. */
const POLLING = {
  DELIVERY_POLL_INTERVAL_MS: '100',
  VAPID_PUBLIC_KEY: vapid.publicKey,
  VAPID_PRIVATE_KEY: vapid.privateKey,
  VAPID_SUBJECT: 'mailto:ops@televisit.example',
  // A worker stopped behind the test's table lock waits rather than giving up.
  DB_LOCK_TIMEOUT_MS: '60000',
  DB_STATEMENT_TIMEOUT_MS: '60000',
};

async function until(what: string, check: () => Promise<boolean> | boolean, ms = 20_000) {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error(`timed out waiting for ${what}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Each (notification, channel) once across instances, restarts and crashes: instances in
 * child processes on one scratch database, a push service of the test's own.
 */
describe('outreach across instances (e2e, child processes)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;
  let push: PushService;
  const instances: Instance[] = [];

  const start = async (name: string) => {
    const instance = await startInstance(name, scratch.env, POLLING);
    instances.push(instance);
    return instance;
  };

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_outreach');
    push = await PushService.start();
    db = new Client({ connectionString: scratch.url });
    await db.connect();
  });

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await db?.end();
    await push?.close();
    await scratch?.drop();
  }, 60_000);

  async function people(on: Instance) {
    const admin = await on.api.post('/api/auth/login', on.admin);
    const clinician = await makeStaff(on.api, admin.body.accessToken as string);
    const subscription = push.subscribe();
    const res = await on.api.post(
      '/api/me/push-subscriptions',
      { endpoint: subscription.endpoint, keys: subscription.keys },
      { token: clinician.token },
    );
    expect(res.status).toBe(201);
    return { clinician, subscription };
  }

  async function book(on: Instance, patient: TestUser, clinician: TestUser, minutes: number) {
    const res = await on.api.post(
      '/api/appointments',
      { clinicianId: clinician.id, ...slot(minutes) },
      { token: patient.token },
    );
    expect(res.status).toBe(201);
  }

  const pushDelivery = async (clinician: TestUser) =>
    (
      await db.query<{ status: string; error: string | null; attempts: number }>(
        `SELECT d.status, d.error, d.attempts FROM notification_deliveries d
          WHERE d.user_id = $1 AND d.channel = 'push'`,
        [clinician.id],
      )
    ).rows;

  /** The lease of a killed worker runs out (60 s in production; here at once). */
  const expireLeases = () =>
    db.query(`UPDATE notification_deliveries SET claimed_until = now() - interval '1 second'
               WHERE status = 'sending'`);

  it('an instance killed between claim and send loses nothing: another sends it, once', async () => {
    const c = await start('c');
    const { clinician, subscription } = await people(c);
    const patient = await makePatient(c.api);
    // c's worker claims the job, then stops at its first read of preferences, before sending.
    const lock = new Client({ connectionString: scratch.url });
    await lock.connect();
    await lock.query('BEGIN');
    await lock.query('LOCK TABLE notification_preferences IN ACCESS EXCLUSIVE MODE');
    await book(c, patient, clinician, 120);
    await until('the claim', async () => (await pushDelivery(clinician))[0]?.status === 'sending');
    c.process.kill('SIGKILL');
    await c.exited;
    await lock.query('ROLLBACK');
    await lock.end();
    expect(push.for(subscription)).toEqual([]);

    await expireLeases();
    await start('a');
    await until('the push', () => push.for(subscription).length === 1);
    await until('its record', async () => (await pushDelivery(clinician))[0]?.status === 'sent');
    expect(await pushDelivery(clinician)).toEqual([{ status: 'sent', error: null, attempts: 2 }]);
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect(push.for(subscription)).toHaveLength(1);
  }, 120_000);

  it('an instance killed during a send is not sent again: recorded as unknown', async () => {
    const a = instances.find((i) => i.name === 'a')!;
    const { clinician, subscription } = await people(a);
    const patient = await makePatient(a.api);
    const release = push.hold(subscription);
    await book(a, patient, clinician, 180);
    const path = new URL(subscription.endpoint).pathname;
    await until('the request', () => push.arrived.includes(path));
    a.process.kill('SIGKILL');
    await a.exited;
    release();

    await expireLeases();
    await start('b');
    await until(
      'the settlement',
      async () => (await pushDelivery(clinician))[0]?.status === 'failed',
    );
    expect(await pushDelivery(clinician)).toEqual([
      { status: 'failed', error: 'OUTCOME_UNKNOWN', attempts: 1 },
    ]);
    expect(push.arrived.filter((p) => p === path)).toHaveLength(1);
  }, 120_000);

  it('two instances racing send each notification once', async () => {
    const b = instances.find((i) => i.name === 'b')!;
    const d = await start('d');
    const { clinician, subscription } = await people(b);
    const patients = await Promise.all(
      Array.from({ length: 24 }, (_, i) => makePatient(i % 2 ? b.api : d.api)),
    );
    await Promise.all(
      patients.map((patient, i) => book(i % 2 ? b : d, patient, clinician, 240 + i * 60)),
    );
    await until('every push', () => push.for(subscription).length >= 24);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const ids = push.for(subscription).map((received) => received.payload.id as string);
    expect(ids).toHaveLength(24);
    expect(new Set(ids).size).toBe(24);
    const rows = await pushDelivery(clinician);
    expect(rows.filter((row) => row.status === 'sent')).toHaveLength(24);
  }, 120_000);
});
