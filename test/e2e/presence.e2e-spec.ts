import { Client } from 'pg';
import { InstanceRegistry } from '../../src/realtime/instance-registry';
import { createScratchDatabase } from '../support/db';
import { SignalingClient, sleep } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf, connect, expectAck, inCall, makeVisit } from '../support/visits';
import { makePatient, makeStaff, slot } from '../support/factories';

const presenceOf = (userId: string, status?: string) => (f: { event: string; data: any }) =>
  f.event === 'presence' && f.data.userId === userId && (!status || f.data.status === status);

describe('presence (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterEach(() => SignalingClient.closeAll());
  afterAll(() => t.close());

  it('on connect, each side gets the other’s presence, and later every change', async () => {
    const visit = await makeVisit(t);
    const clinician = await connect(t, visit.clinician);
    // Alone: the patient is offline.
    const first = await clinician.next(presenceOf(visit.patient.id));
    expect(first.data).toEqual({ userId: visit.patient.id, status: 'offline', lastSeenAt: null });

    const patient = await connect(t, visit.patient);
    await expect(patient.next(presenceOf(visit.clinician.id))).resolves.toMatchObject({
      data: { status: 'available', lastSeenAt: expect.any(String) },
    });
    await expect(clinician.next(presenceOf(visit.patient.id, 'available'))).resolves.toBeDefined();

    const set = await expectAck(patient.request('presence.set', { status: 'away' }));
    expect(set).toMatchObject({ userId: visit.patient.id, status: 'away' });
    await expect(clinician.next(presenceOf(visit.patient.id, 'away'))).resolves.toBeDefined();
    await expectAck(patient.request('presence.set', { status: 'busy' }));
    await expect(clinician.next(presenceOf(visit.patient.id, 'busy'))).resolves.toBeDefined();
  });

  it('the server’s own statuses cannot be chosen', async () => {
    const patient = await makePatient(t.api);
    const socket = await SignalingClient.open(t.baseUrl, { token: patient.token });
    for (const status of ['in_call', 'offline', 'invisible']) {
      const answer = await socket.request('presence.set', { status });
      expect(answer).toMatchObject({ event: 'error', data: { code: 'VALIDATION_FAILED' } });
    }
  });

  it('nobody else sees it: strangers, visits beyond 24 hours, cancelled visits', async () => {
    const admin = await adminOf(t);
    const patient = await makePatient(t.api);
    const stranger = await makePatient(t.api);
    const later = await makeStaff(t.api, admin.token, 'clinician', 'Dr Later');
    const cancelledWith = await makeStaff(t.api, admin.token, 'clinician', 'Dr Cancelled');
    await t.api.post(
      '/api/appointments',
      { clinicianId: later.id, ...slot(3 * 24 * 60) },
      { token: patient.token },
    );
    const cancelled = await t.api.post(
      '/api/appointments',
      { clinicianId: cancelledWith.id, ...slot(60) },
      { token: patient.token },
    );
    await t.api.post(`/api/appointments/${cancelled.body.id}/cancel`, {}, { token: patient.token });

    const watchers = await Promise.all(
      [stranger, later, cancelledWith].map((u) =>
        SignalingClient.open(t.baseUrl, { token: u.token }),
      ),
    );
    const socket = await SignalingClient.open(t.baseUrl, { token: patient.token });
    await expectAck(socket.request('presence.set', { status: 'away' }));
    await socket.close();
    await sleep(300);
    for (const watcher of watchers) {
      await watcher.sync();
      expect(watcher.received('presence').filter((f) => f.data.userId === patient.id)).toEqual([]);
    }
    expect(socket.received('presence')).toEqual([]);
  });

  it('is per user over all devices: closing one keeps them online, closing the last is offline', async () => {
    const visit = await makeVisit(t);
    const clinician = await connect(t, visit.clinician);
    await clinician.next(presenceOf(visit.patient.id, 'offline'));
    const phone = await connect(t, visit.patient);
    const laptop = await connect(t, visit.patient);
    await clinician.next(presenceOf(visit.patient.id, 'available'));

    await phone.close();
    await sleep(300);
    await clinician.sync();
    // Only the first frame, from before either device connected.
    expect(clinician.frames.filter(presenceOf(visit.patient.id, 'offline'))).toHaveLength(1);

    await laptop.close();
    const offline = await clinician.next(presenceOf(visit.patient.id, 'offline'));
    expect(Date.parse(offline.data.lastSeenAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('shows in_call while both are in the visit, and available again after', async () => {
    const visit = await makeVisit(t);
    const { patient, clinician } = await inCall(t, visit);
    await expect(clinician.next(presenceOf(visit.patient.id, 'in_call'))).resolves.toBeDefined();
    await expect(patient.next(presenceOf(visit.clinician.id, 'in_call'))).resolves.toBeDefined();

    // The user cannot override in_call while in the call.
    await expectAck(patient.request('presence.set', { status: 'away' }));
    await expectAck(patient.request('session.leave', { appointmentId: visit.appointmentId }));
    await expect(clinician.next(presenceOf(visit.patient.id, 'away'))).resolves.toBeDefined();
    await expect(patient.next(presenceOf(visit.clinician.id, 'available'))).resolves.toBeDefined();
    expect(
      clinician.frames.filter(presenceOf(visit.patient.id)).map((f) => String(f.data.status)),
    ).not.toContain('offline');
  });
});

describe('presence of a frozen client (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ WS_PING_INTERVAL_MS: '200', WS_PONG_TIMEOUT_MS: '1000' });
  });
  afterEach(() => SignalingClient.closeAll());
  afterAll(() => t.close());

  it('a client that stops answering pings goes offline within the ping deadline', async () => {
    const visit = await makeVisit(t);
    const clinician = await connect(t, visit.clinician);
    await SignalingClient.open(t.baseUrl, { token: visit.patient.token, autoPong: false });
    await clinician.next(presenceOf(visit.patient.id, 'available'));
    await expect(
      clinician.next(presenceOf(visit.patient.id, 'offline'), 5_000),
    ).resolves.toBeDefined();
  });
});

describe('presence: a socket row whose socket is gone (reconciliation)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let t: TestApp;
  let db: Client;

  beforeAll(async () => {
    // Its own database: beats this fast would declare other suites' instances dead.
    scratch = await createScratchDatabase('televisit_recon');
    t = await startTestApp({
      ...scratch.env,
      INSTANCE_HEARTBEAT_MS: '100',
      INSTANCE_DEAD_AFTER_MS: '5000',
    });
    db = new Client({ connectionString: scratch.url });
    await db.connect();
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await db?.end();
    await t?.close();
    await scratch?.drop();
  });

  it('is removed by the instance that owns it, and its user shown offline', async () => {
    const visit = await makeVisit(t);
    const clinician = await connect(t, visit.clinician);
    await clinician.next(presenceOf(visit.patient.id, 'offline'));
    // A row left behind by a release that failed: this instance's, with no socket here.
    const instance = t.app.get(InstanceRegistry).id;
    await db.query(
      `INSERT INTO sockets (id, instance_id, user_id, opened_at)
       VALUES (gen_random_uuid(), $1, $2, now() - interval '1 minute')`,
      [instance, visit.patient.id],
    );
    await db.query(`SELECT count(*) FROM presence_announce($1, true, now(), '24 hours')`, [
      [visit.patient.id],
    ]);
    await clinician.next(presenceOf(visit.patient.id, 'available'));
    // The booking may also have told the clinician the patient's presence (they became
    // contacts), after the frame on connect: only an `offline` from now on counts.
    clinician.skipReceived();

    await expect(clinician.next(presenceOf(visit.patient.id, 'offline'))).resolves.toBeDefined();
    const { rows } = await db.query('SELECT id FROM sockets WHERE user_id = $1', [
      visit.patient.id,
    ]);
    expect(rows).toEqual([]);
  });
});
