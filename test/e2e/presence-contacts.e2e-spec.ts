import { Client } from 'pg';
import { VisitSchedulerService } from '../../src/appointments/visit-scheduler.service';
import { createScratchDatabase } from '../support/db';
import { loginAdmin, makePatient, makeStaff, slot, TestUser } from '../support/factories';
import { Frame, SignalingClient, sleep } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect } from '../support/visits';

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Long enough for a frame that was going to come to have come (one instance or two). */
const QUIET_MS = 500;

const presenceOf = (userId: string) => (f: Frame) =>
  f.event === 'presence' && f.data.userId === userId;

/**
 * People who become contacts while both are connected (PRODUCT §3: presence of those sharing a
 * visit in progress or starting within 24 h): a booking or a move into the 24 hours, or the
 * visit coming within them as time passes (the 24 h reminder run), tells each the other's
 * presence at once, as a connect would. Two instances on a database of this suite's own: the
 * scheduler acts on every due reminder in its database.
 */
describe('presence of new contacts (e2e, two instances)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;
  let a: TestApp;
  let b: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_contacts');
    a = await startTestApp(scratch.env);
    b = await startTestApp(scratch.env);
    db = new Client({ connectionString: scratch.url });
    await db.connect();
    admin = await loginAdmin(a);
  }, 120_000);

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await scratch?.drop();
  });

  /** A patient and a clinician with nothing between them yet, each connected. */
  async function strangers(patientOn = a, clinicianOn = a) {
    const [patient, clinician] = await Promise.all([
      makePatient(a.api),
      makeStaff(a.api, admin.token, 'clinician'),
    ]);
    const patientSocket = await connect(patientOn, patient);
    const clinicianSocket = await connect(clinicianOn, clinician);
    return { patient, clinician, patientSocket, clinicianSocket };
  }

  function book(patient: TestUser, clinician: TestUser, startsInMinutes: number) {
    return a.api.post<{ id: string; version: number }>(
      '/api/appointments',
      { clinicianId: clinician.id, ...slot(startsInMinutes) },
      { token: patient.token },
    );
  }

  /** The presence frames a socket has of `userId`, once everything sent to it has arrived. */
  async function presenceSeen(socket: SignalingClient, userId: string): Promise<Frame[]> {
    await sleep(QUIET_MS);
    await socket.sync();
    return socket.frames.filter(presenceOf(userId));
  }

  /** Each socket is told the other's presence: status and when last seen. */
  async function expectIntroduced(
    patient: TestUser,
    clinician: TestUser,
    patientSocket: SignalingClient,
    clinicianSocket: SignalingClient,
  ) {
    await expect(patientSocket.next(presenceOf(clinician.id))).resolves.toMatchObject({
      data: { userId: clinician.id, status: 'available', lastSeenAt: expect.any(String) },
    });
    await expect(clinicianSocket.next(presenceOf(patient.id))).resolves.toMatchObject({
      data: { userId: patient.id, status: 'available', lastSeenAt: expect.any(String) },
    });
  }

  it('a visit booked within 24 hours tells both, on every socket, each other’s presence', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers();
    const secondDevice = await connect(a, clinician);
    expect(await presenceSeen(clinicianSocket, patient.id)).toEqual([]);

    const booked = await book(patient, clinician, 60);
    expect(booked.status).toBe(201);
    await expectIntroduced(patient, clinician, patientSocket, clinicianSocket);
    await expect(secondDevice.next(presenceOf(patient.id))).resolves.toMatchObject({
      data: { status: 'available' },
    });
    // Once each, and later changes as usual.
    expect(await presenceSeen(patientSocket, clinician.id)).toHaveLength(1);
    await patientSocket.request('presence.set', { status: 'away' });
    await expect(clinicianSocket.next(presenceOf(patient.id))).resolves.toMatchObject({
      data: { status: 'away' },
    });
  });

  it('a visit booked 3 days out tells nobody anything', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers();
    expect((await book(patient, clinician, 3 * 24 * 60)).status).toBe(201);
    expect(await presenceSeen(patientSocket, clinician.id)).toEqual([]);
    expect(await presenceSeen(clinicianSocket, patient.id)).toEqual([]);
  });

  it('a visit moved from 3 days out to tomorrow tells both', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers();
    const booked = await book(patient, clinician, 3 * 24 * 60);
    expect(await presenceSeen(clinicianSocket, patient.id)).toEqual([]);

    const moved = await a.api.patch(`/api/appointments/${booked.body.id}`, slot(20 * 60), {
      token: clinician.token,
      headers: { 'if-match': '"1"' },
    });
    expect(moved.status).toBe(200);
    await expectIntroduced(patient, clinician, patientSocket, clinicianSocket);
  });

  it('a second visit within 24 hours of people already in touch sends nothing more', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers();
    await book(patient, clinician, 60);
    await expectIntroduced(patient, clinician, patientSocket, clinicianSocket);

    expect((await book(patient, clinician, 3 * 60)).status).toBe(201);
    expect(await presenceSeen(patientSocket, clinician.id)).toHaveLength(1);
    expect(await presenceSeen(clinicianSocket, patient.id)).toHaveLength(1);
  });

  /** Time passes: the visit now starts in 23 h 50 min, and its 24 h reminder is due. */
  async function comeWithin24Hours(appointmentId: string): Promise<void> {
    const startsAt = new Date(Date.now() + 24 * HOUR - 10 * MINUTE);
    await db.query(`UPDATE appointments SET starts_at = $2, ends_at = $3 WHERE id = $1`, [
      appointmentId,
      startsAt,
      new Date(startsAt.getTime() + 30 * MINUTE),
    ]);
    await db.query(
      `UPDATE appointment_reminders SET due_at = $2 WHERE appointment_id = $1 AND kind = '24h'`,
      [appointmentId, new Date(startsAt.getTime() - 24 * HOUR)],
    );
  }

  it('the 24-hour reminder run tells both, as the visit comes within 24 hours', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers(a, b);
    const booked = await book(patient, clinician, 3 * 24 * 60);
    await comeWithin24Hours(booked.body.id);
    expect(await presenceSeen(clinicianSocket, patient.id)).toEqual([]);

    const { reminders } = await b.app.get(VisitSchedulerService).runOnce(new Date());
    expect(reminders).toBeGreaterThanOrEqual(1);
    await expectIntroduced(patient, clinician, patientSocket, clinicianSocket);
  });

  it('the reminder run leaves alone people already in touch through another visit', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers();
    const later = await book(patient, clinician, 3 * 24 * 60);
    await book(patient, clinician, 60);
    await expectIntroduced(patient, clinician, patientSocket, clinicianSocket);
    await comeWithin24Hours(later.body.id);

    await a.app.get(VisitSchedulerService).runOnce(new Date());
    expect(await presenceSeen(patientSocket, clinician.id)).toHaveLength(1);
    expect(await presenceSeen(clinicianSocket, patient.id)).toHaveLength(1);
  });

  it('a cancelled visit sends nothing, and later changes are no longer seen', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers();
    const booked = await book(patient, clinician, 60);
    await expectIntroduced(patient, clinician, patientSocket, clinicianSocket);

    const cancelled = await a.api.post(
      `/api/appointments/${booked.body.id}/cancel`,
      {},
      { token: patient.token },
    );
    expect(cancelled.status).toBe(200);
    await patientSocket.request('presence.set', { status: 'busy' });
    expect(await presenceSeen(patientSocket, clinician.id)).toHaveLength(1);
    expect(await presenceSeen(clinicianSocket, patient.id)).toHaveLength(1);
  });

  it('the patient on one instance and the clinician on another are each told', async () => {
    const { patient, clinician, patientSocket, clinicianSocket } = await strangers(a, b);
    const bookedThroughB = await b.api.post(
      '/api/appointments',
      { clinicianId: clinician.id, ...slot(90) },
      { token: patient.token },
    );
    expect(bookedThroughB.status).toBe(201);
    await expectIntroduced(patient, clinician, patientSocket, clinicianSocket);
  });
});
