import { Client } from 'pg';
import { makePatient, makeStaff, slot } from '../support/factories';
import { createScratchDatabase } from '../support/db';
import { Instance, startInstance } from '../support/instances';
import { Frame, SignalingClient } from '../support/signaling-client';
import { adminOf, connect, expectAck, inCall, makeVisit, TestVisit } from '../support/visits';

/**
 * Several Televisit processes behind no balancer at all: each test puts the patient and the
 * clinician on different instances of one database. Instances beat every 200 ms and count as
 * dead after 1.5 s of silence (30 s by default), so failure detection fits a test.
 */
const FAST = {
  INSTANCE_HEARTBEAT_MS: '200',
  INSTANCE_DEAD_AFTER_MS: '1500',
  SCHEDULER_POLL_INTERVAL_MS: '300',
};
/** The product's promise for noticing a dead instance. */
const NOTICED_WITHIN_MS = 60_000;

describe('several instances on one database (e2e, child processes)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;
  let a: Instance;
  let b: Instance;
  let c: Instance;
  const extra: Instance[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_multi');
    // One first, so migrations and the admin account exist before the others start.
    a = await startInstance('a', scratch.env, FAST);
    [b, c] = await Promise.all([
      startInstance('b', scratch.env, FAST),
      startInstance('c', scratch.env, FAST),
    ]);
    db = new Client({ connectionString: scratch.url });
    await db.connect();
  }, 180_000);

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await Promise.all([a, b, c, ...extra].filter(Boolean).map((instance) => instance.close()));
    await db?.end();
    await scratch?.drop();
  }, 60_000);

  /** Patient on one instance, clinician on another, admitted: the call is on. */
  const callAcross = (visit: TestVisit, patientOn: Instance, clinicianOn: Instance) =>
    inCall(patientOn, visit, clinicianOn);

  it('holds a visit with the patient on one instance and the clinician on another, a 12 KB offer and a burst of candidates in order', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const { patient, clinician } = await callAcross(visit, a, b);

    // Over NOTIFY's 8000-byte limit: it travels as a row, in order with everything else.
    const sdp = `v=0\r\n${'a=candidate-line-for-a-large-offer\r\n'.repeat(340)}`;
    expect(Buffer.byteLength(sdp)).toBeGreaterThan(12_000);
    const offer = await expectAck(
      patient.request('signal', { appointmentId, type: 'offer', payload: { type: 'offer', sdp } }),
    );
    expect(offer).toMatchObject({ appointmentId, delivered: true });
    const received = await clinician.next('signal');
    expect(received.data).toEqual({
      appointmentId,
      from: visit.patient.id,
      type: 'offer',
      payload: { type: 'offer', sdp },
    });

    // Answer, then candidates sent without waiting for acks: they arrive in the order sent.
    const ids = [clinician.newId()];
    clinician.send('signal', { appointmentId, type: 'answer', payload: { sdp: 'answer' } }, ids[0]);
    for (let i = 0; i < 20; i++) {
      const id = clinician.newId();
      ids.push(id);
      const big = i === 10 ? 'x'.repeat(9000) : '';
      clinician.send(
        'signal',
        { appointmentId, type: 'ice-candidate', payload: { candidate: `c${i}`, big } },
        id,
      );
    }
    for (const id of ids) {
      expect((await clinician.answerTo(id)).event).toBe('ack');
    }
    const got: Frame[] = [];
    for (let i = 0; i < 21; i++) {
      got.push(await patient.next('signal'));
    }
    expect(got.map((f) => String(f.data.payload.candidate ?? f.data.type))).toEqual([
      'answer',
      ...Array.from({ length: 20 }, (_, i) => `c${i}`),
    ]);
    expect(got.every((f) => f.data.from === visit.clinician.id)).toBe(true);
  });

  it('keeps presence and notifications right whichever instance a socket is on', async () => {
    const visit = await makeVisit(a);
    const clinician = await connect(b, visit.clinician);
    const first = await clinician.next(
      (f) => f.event === 'presence' && f.data.userId === visit.patient.id,
    );
    expect(first.data.status).toBe('offline');

    const patientOnC = await connect(c, visit.patient);
    await expect(
      clinician.next((f) => f.event === 'presence' && f.data.status === 'available'),
    ).resolves.toMatchObject({ data: { userId: visit.patient.id } });
    // A second device elsewhere does not change the status; choosing one does.
    const patientOnA = await connect(a, visit.patient);
    await expectAck(patientOnA.request('presence.set', { status: 'away' }));
    await expect(
      clinician.next((f) => f.event === 'presence' && f.data.userId === visit.patient.id),
    ).resolves.toMatchObject({ data: { status: 'away' } });

    // Booked through instance c, pushed to the clinician's socket on b.
    const booked = await c.api.post(
      '/api/appointments',
      { clinicianId: visit.clinician.id, ...slot(24 * 60, 30) },
      { token: visit.patient.token },
    );
    expect(booked.status).toBe(201);
    await expect(clinician.next('notification')).resolves.toMatchObject({
      data: { type: 'appointment.created', data: { appointmentId: booked.body.id } },
    });

    // Offline only when the last socket, on whichever instance, is gone.
    await patientOnA.close();
    await patientOnC.close();
    await expect(
      clinician.next((f) => f.event === 'presence' && f.data.userId === visit.patient.id),
    ).resolves.toMatchObject({ data: { status: 'offline' } });
    expect(clinician.received('presence').map((f) => String(f.data.status))).toEqual([
      'offline',
      'available',
      'away',
      'offline',
    ]);
  });

  it('resumes a dropped participant on another instance, with the signals kept meanwhile', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const { patient, clinician } = await callAcross(visit, a, b);

    patient.drop();
    await expect(clinician.next('session.peer-reconnecting')).resolves.toMatchObject({
      data: { appointmentId, userId: visit.patient.id },
    });
    const kept = await expectAck(
      clinician.request('signal', { appointmentId, type: 'offer', payload: { n: 1 } }),
    );
    expect(kept).toMatchObject({ delivered: false, queued: true });

    const back = await connect(c, visit.patient);
    const ack = await expectAck(back.request('session.join', { appointmentId }));
    expect(ack).toMatchObject({ resumed: true, state: 'admitted' });
    await expect(back.next('signal')).resolves.toMatchObject({ data: { payload: { n: 1 } } });
    await expect(clinician.next('session.peer-reconnected')).resolves.toMatchObject({
      data: { userId: visit.patient.id },
    });
    await expectAck(back.request('signal', { appointmentId, type: 'answer', payload: { n: 2 } }));
    await expect(clinician.next('signal')).resolves.toMatchObject({ data: { payload: { n: 2 } } });
  });

  it('lets a second device on another instance take the visit over', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const { patient, clinician } = await callAcross(visit, a, b);
    const tablet = await connect(c, visit.patient);
    await expectAck(tablet.request('session.join', { appointmentId }));
    await expect(patient.next('session.replaced')).resolves.toMatchObject({
      data: { appointmentId },
    });
    await expect(clinician.next('session.peer-joined')).resolves.toMatchObject({
      data: { userId: visit.patient.id },
    });
    // The old device is out; the new one is in.
    const refused = await patient.request('signal', { appointmentId, type: 'offer', payload: {} });
    expect(refused.data).toMatchObject({ code: 'NOT_IN_VISIT' });
    await expectAck(tablet.request('signal', { appointmentId, type: 'offer', payload: { t: 1 } }));
    await expect(clinician.next('signal')).resolves.toMatchObject({ data: { payload: { t: 1 } } });
  });

  it('announces a patient in the waiting room on the clinician’s sockets on every instance, joined or not', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const seated = await connect(b, visit.clinician);
    await expectAck(seated.request('session.join', { appointmentId }));
    const [onA, onC] = await Promise.all([
      connect(a, visit.clinician),
      connect(c, visit.clinician),
    ]);
    const patient = await connect(a, visit.patient);
    await expectAck(patient.request('session.join', { appointmentId }));

    const waiting = { data: { appointmentId, patient: { userId: visit.patient.id } } };
    for (const socket of [seated, onA, onC]) {
      await expect(socket.next('session.waiting')).resolves.toMatchObject(waiting);
    }
  });

  it('counts the per-user socket cap (10) over all instances', async () => {
    const patient = await makePatient(a.api);
    for (const instance of [a, b, a, b, a, b, a, b, c, c]) {
      await SignalingClient.open(instance.baseUrl, { token: patient.token });
    }
    await expect(
      SignalingClient.refusal(c.baseUrl, { token: patient.token }),
    ).resolves.toMatchObject({ status: 429, body: { code: 'TOO_MANY_SOCKETS' } });
  });

  it('notices an instance killed with SIGKILL: its users go offline, their peers see them reconnecting, and they resume elsewhere', async () => {
    const doomed = await startInstance('doomed', scratch.env, FAST);
    extra.push(doomed);
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const { clinician } = await callAcross(visit, doomed, b);

    doomed.process.kill('SIGKILL');
    await expect(doomed.exited).resolves.toMatchObject({ signal: 'SIGKILL' });
    await expect(
      clinician.next('session.peer-reconnecting', NOTICED_WITHIN_MS),
    ).resolves.toMatchObject({ data: { appointmentId, userId: visit.patient.id } });
    await expect(
      clinician.next(
        (f) =>
          f.event === 'presence' &&
          f.data.userId === visit.patient.id &&
          f.data.status === 'offline',
        NOTICED_WITHIN_MS,
      ),
    ).resolves.toBeDefined();

    const back = await connect(c, visit.patient);
    await expect(expectAck(back.request('session.join', { appointmentId }))).resolves.toMatchObject(
      { resumed: true },
    );
    await expect(clinician.next('session.peer-reconnected')).resolves.toBeDefined();
  }, 90_000);

  it('keeps the signals acked as delivered to a participant whose instance was killed, and gives them on resume in order', async () => {
    const doomed = await startInstance('doomed-signals', scratch.env, FAST);
    extra.push(doomed);
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const { patient, clinician } = await callAcross(visit, a, doomed);
    // Delivered while the instance lived: it is not given again on resume.
    await expectAck(patient.request('signal', { appointmentId, type: 'offer', payload: { n: 0 } }));
    await expect(clinician.next('signal')).resolves.toMatchObject({ data: { payload: { n: 0 } } });
    await new Promise((resolve) => setTimeout(resolve, 600));

    doomed.process.kill('SIGKILL');
    await expect(doomed.exited).resolves.toMatchObject({ signal: 'SIGKILL' });
    const ids: string[] = [];
    for (let n = 1; n <= 30; n++) {
      const id = patient.newId();
      ids.push(id);
      patient.send('signal', { appointmentId, type: 'ice-candidate', payload: { n } }, id);
    }
    // Until the instance is known to be dead (1.5 s here), signals are acked as delivered: they
    // went to its mailbox. On a slow box the last ones may be acked after that, as queued.
    const delivered: boolean[] = [];
    for (const id of ids) {
      const answer = await patient.answerTo(id);
      expect(answer).toMatchObject({ event: 'ack' });
      delivered.push(answer.data.delivered as boolean);
    }
    expect(delivered[0]).toBe(true);
    const firstQueued = delivered.indexOf(false);
    if (firstQueued >= 0) {
      expect(delivered.slice(firstQueued)).not.toContain(true);
    }
    await expect(
      patient.next('session.peer-reconnecting', NOTICED_WITHIN_MS),
    ).resolves.toMatchObject({ data: { appointmentId, userId: visit.clinician.id } });

    const back = await connect(a, visit.clinician);
    await expect(expectAck(back.request('session.join', { appointmentId }))).resolves.toMatchObject(
      { resumed: true },
    );
    const got: number[] = [];
    for (let n = 1; n <= 30; n++) {
      got.push(Number((await back.next('signal')).data.payload.n));
    }
    expect(got).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    await back.sync();
    expect(back.received('signal')).toHaveLength(30);
  }, 90_000);

  it('drains on SIGTERM: sockets closed with 1012, exit 0, and the visit resumes on another instance', async () => {
    const draining = await startInstance('draining', scratch.env, FAST);
    extra.push(draining);
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const { patient, clinician } = await callAcross(visit, draining, b);

    const closed = patient.closedWithin();
    draining.process.kill('SIGTERM');
    await expect(closed).resolves.toMatchObject({ code: 1012 });
    await expect(draining.exited).resolves.toEqual({ code: 0, signal: null });
    await expect(clinician.next('session.peer-reconnecting')).resolves.toBeDefined();

    const back = await connect(a, visit.patient);
    await expect(expectAck(back.request('session.join', { appointmentId }))).resolves.toMatchObject(
      { resumed: true },
    );
    await expect(clinician.next('session.peer-reconnected')).resolves.toBeDefined();
  }, 90_000);

  it('sends each reminder once while every instance polls', async () => {
    const patient = await makePatient(a.api);
    const clinician = await makeStaff(a.api, (await adminOf(a)).token, 'clinician');
    // The 10-minute reminder falls due a few seconds from now.
    const startsAt = new Date(Date.now() + 10 * 60_000 + 3_000);
    const booked = await b.api.post(
      '/api/appointments',
      {
        clinicianId: clinician.id,
        startsAt: startsAt.toISOString(),
        endsAt: new Date(startsAt.getTime() + 30 * 60_000).toISOString(),
      },
      { token: patient.token },
    );
    expect(booked.status).toBe(201);
    const sent = () =>
      db
        .query<{ user_id: string }>(
          `SELECT user_id FROM notifications
            WHERE type = 'appointment.reminder' AND data->>'appointmentId' = $1`,
          [booked.body.id],
        )
        .then((result) => result.rows.map((row) => row.user_id).sort());
    await waitFor(async () => (await sent()).length > 0, 30_000);
    // Many more polls by all three instances.
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect(await sent()).toEqual([patient.id, clinician.id].sort());
  });

  it('loses nothing when the database drops the bus listeners', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const { patient, clinician } = await callAcross(visit, a, b);

    const cut = await db.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name LIKE 'televisit-listener-%' AND datname = current_database()`,
    );
    expect(cut.rows[0].n).toBeGreaterThanOrEqual(3);
    // Sent while no instance listens (they reconnect after a second).
    for (let i = 0; i < 3; i++) {
      await expectAck(
        patient.request('signal', { appointmentId, type: 'ice-candidate', payload: { i } }),
      );
    }
    const booked = await a.api.post(
      '/api/appointments',
      { clinicianId: visit.clinician.id, ...slot(2 * 24 * 60, 30) },
      { token: visit.patient.token },
    );
    expect(booked.status).toBe(201);

    for (let i = 0; i < 3; i++) {
      await expect(clinician.next('signal')).resolves.toMatchObject({ data: { payload: { i } } });
    }
    await expect(
      clinician.next((f) => f.event === 'notification' && f.data.type === 'appointment.created'),
    ).resolves.toMatchObject({ data: { data: { appointmentId: booked.body.id } } });
    // And the bus works live again.
    await expectAck(patient.request('signal', { appointmentId, type: 'bye', payload: null }));
    await expect(clinician.next('signal')).resolves.toMatchObject({ data: { type: 'bye' } });
  });
});

async function waitFor(check: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) {
      throw new Error('condition not met in time');
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
