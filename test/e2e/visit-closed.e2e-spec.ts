import { Client } from 'pg';
import { VisitSchedulerService } from '../../src/appointments/visit-scheduler.service';
import { createScratchDatabase } from '../support/db';
import { loginAdmin, makePatient, makeStaff, TestUser } from '../support/factories';
import { insertAppointment } from '../support/pg';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect, expectAck, makeVisit } from '../support/visits';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** The shortest margin: once a visit's end has passed, fresh TURN credentials every second. */
const SLOW_BEATS = { INSTANCE_HEARTBEAT_MS: '600000', INSTANCE_DEAD_AFTER_MS: '1800000' };
const ICE = {
  TURN_URLS: 'turn:127.0.0.1:3478',
  TURN_SECRET: 's3cret',
  TURN_CREDENTIAL_MARGIN_SECONDS: '2',
};

/**
 * Visits closed by a status change outside the visit room (REST cancel and no-show, the
 * scheduler) while someone sits in them. Two instances on a database of this suite's own (the
 * scheduler acts on every due visit in its database): the patient waits on one, the change is
 * made through the other.
 */
describe('closed visits give up their seats (e2e, two instances)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;
  let a: TestApp;
  let b: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_closed');
    // Beats too slow to matter here: what these two do, they do at once, not on a beat.
    a = await startTestApp({ ...env(), ...SLOW_BEATS });
    b = await startTestApp({ ...env(), ...SLOW_BEATS });
    db = new Client({ connectionString: scratch.url });
    await db.connect();
    admin = await loginAdmin(b);
  }, 120_000);

  afterEach(() => SignalingClient.closeAll());

  const env = () => ({ ...scratch.env, NO_SHOW_GRACE_MINUTES: '0', ...ICE });

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await scratch?.drop();
  });

  /** A patient and clinician with a visit inserted in this suite's database. */
  async function visitRow(startsAt: Date, endsAt: Date, status = 'scheduled') {
    const [patient, clinician] = await Promise.all([
      makePatient(a.api),
      makeStaff(a.api, admin.token, 'clinician'),
    ]);
    const appointmentId = await insertAppointment(db, {
      patientId: patient.id,
      clinicianId: clinician.id,
      startsAt: startsAt.toISOString(),
      endsAt: endsAt.toISOString(),
      status,
    });
    return { patient, clinician, appointmentId };
  }

  async function seats(appointmentId: string): Promise<number> {
    const { rows } = await db.query('SELECT 1 FROM visit_seats WHERE appointment_id = $1', [
      appointmentId,
    ]);
    return rows.length;
  }

  async function waitingOnA(patient: TestUser, appointmentId: string) {
    const socket = await connect(a, patient);
    const ack = await expectAck(socket.request('session.join', { appointmentId }));
    expect(ack.state).toBe('waiting');
    return socket;
  }

  /** Closed: the seat is gone, and joining again is refused. */
  async function expectClosed(socket: SignalingClient, appointmentId: string, status: string) {
    expect(await seats(appointmentId)).toBe(0);
    const again = await socket.request('session.join', { appointmentId });
    expect(again).toMatchObject({
      event: 'error',
      data: { code: 'VISIT_CLOSED', details: { status } },
    });
    expect(await seats(appointmentId)).toBe(0);
  }

  it('a visit cancelled through another instance sends its waiting patient session.ended {reason: cancelled}', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const patient = await waitingOnA(visit.patient, appointmentId);

    const cancelled = await b.api.post(
      `/api/appointments/${appointmentId}/cancel`,
      { reason: 'unwell' },
      { token: visit.clinician.token },
    );
    expect(cancelled.status).toBe(200);
    await expect(patient.next('session.ended')).resolves.toEqual({
      event: 'session.ended',
      data: { appointmentId, reason: 'cancelled' },
    });
    await expectClosed(patient, appointmentId, 'cancelled');
  });

  it('a no-show recorded through another instance sends its waiting patient session.ended {reason: no_show}', async () => {
    const now = Date.now();
    const visit = await visitRow(new Date(now - 5 * MINUTE), new Date(now + 25 * MINUTE));
    const { appointmentId } = visit;
    const patient = await waitingOnA(visit.patient, appointmentId);

    const marked = await b.api.post(`/api/appointments/${appointmentId}/no-show`, undefined, {
      token: visit.clinician.token,
    });
    expect(marked.status).toBe(200);
    await expect(patient.next('session.ended')).resolves.toEqual({
      event: 'session.ended',
      data: { appointmentId, reason: 'no_show' },
    });
    await expectClosed(patient, appointmentId, 'no_show');
  });

  it('the scheduler marking a visit no_show ends it for the patient left waiting: no more ice-servers', async () => {
    const now = Date.now();
    const visit = await visitRow(new Date(now - 20 * MINUTE), new Date(now + 2_000));
    const { appointmentId } = visit;
    const patient = await waitingOnA(visit.patient, appointmentId);
    // Past its end, the waiting patient's credentials are refreshed every second.
    await patient.next('session.ice-servers', 15_000);

    const { noShows } = await b.app.get(VisitSchedulerService).runOnce(new Date());
    expect(noShows).toBeGreaterThanOrEqual(1);
    await expect(patient.next('session.ended')).resolves.toEqual({
      event: 'session.ended',
      data: { appointmentId, reason: 'no_show' },
    });
    const endedAt = patient.received('session.ended').length;
    expect(endedAt).toBe(1);
    const framesAtEnd = patient.received('session.ice-servers').length;
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(patient.received('session.ice-servers')).toHaveLength(framesAtEnd);
    await expectClosed(patient, appointmentId, 'no_show');
  }, 30_000);

  it('a seat in a visit closed without telling the room (a join racing the cancel) is cleared by a later beat', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const patient = await waitingOnA(visit.patient, appointmentId);
    await db.query(`UPDATE appointments SET status = 'cancelled' WHERE id = $1`, [appointmentId]);
    // Any instance's beat finds it: one that beats quickly.
    const c = await startTestApp({ ...env(), INSTANCE_HEARTBEAT_MS: '300' });
    try {
      await expect(patient.next('session.ended')).resolves.toEqual({
        event: 'session.ended',
        data: { appointmentId, reason: 'cancelled' },
      });
      await expectClosed(patient, appointmentId, 'cancelled');
    } finally {
      await c.close();
    }
  });

  it('the scheduler completes a visit left in progress with nobody in it an hour past its end, audited as the system', async () => {
    const now = Date.now();
    const left = await visitRow(new Date(now - 3 * HOUR), new Date(now - 2 * HOUR), 'in_progress');
    // Running over with the patient still in it: not abandoned.
    const running = await visitRow(
      new Date(now - 3 * HOUR),
      new Date(now - 2 * HOUR),
      'in_progress',
    );
    // Ended less than an hour ago: not yet.
    const recent = await visitRow(
      new Date(now - 90 * MINUTE),
      new Date(now - 30 * MINUTE),
      'in_progress',
    );
    const patient = await connect(a, running.patient);
    await expectAck(patient.request('session.join', { appointmentId: running.appointmentId }));

    const { abandoned } = await b.app.get(VisitSchedulerService).runOnce(new Date());
    expect(abandoned).toBe(1);
    const { rows } = await db.query<{ id: string; status: string; ended: boolean }>(
      `SELECT id, status, ended_at IS NOT NULL AS ended FROM appointments WHERE id = ANY($1)`,
      [[left.appointmentId, running.appointmentId, recent.appointmentId]],
    );
    const byId = new Map(rows.map((row) => [row.id, row]));
    expect(byId.get(left.appointmentId)).toMatchObject({ status: 'completed', ended: true });
    expect(byId.get(running.appointmentId)).toMatchObject({ status: 'in_progress' });
    expect(byId.get(recent.appointmentId)).toMatchObject({ status: 'in_progress' });

    const audit = await db.query(
      `SELECT actor_id, action, outcome, details FROM audit_log WHERE target_id = $1`,
      [left.appointmentId],
    );
    expect(audit.rows).toEqual([
      {
        actor_id: null,
        action: 'visit.end',
        outcome: 'success',
        details: { automatic: true, reason: 'abandoned' },
      },
    ]);
    // Once is enough: a second pass finds nothing.
    await expect(b.app.get(VisitSchedulerService).runOnce(new Date())).resolves.toMatchObject({
      abandoned: 0,
    });
  });
});
