import { randomUUID } from 'node:crypto';
import { makePatient, makeStaff, TestUser } from '../support/factories';
import { RoomStore } from '../../src/signaling/room-store';
import { query } from '../support/db';
import { SignalingClient, sleep } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf, connect, expectAck, inCall, makeVisit, TestVisit } from '../support/visits';

const STUN = 'stun:stun.example.test:3478';
const GRACE_SECONDS = 2;

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };
const ANSWER = { type: 'answer', sdp: 'v=0\r\no=- 3 4 IN IP4 127.0.0.1\r\n' };
const CANDIDATE = { candidate: 'candidate:1 1 udp 2122260223 10.0.0.1 5000 typ host', sdpMid: '0' };

/** The error frame answering frame `id`: refusals from the visit rules always carry details. */
function refused(id: string, code: string, details: Record<string, unknown> = {}) {
  return { event: 'error', data: { id, code, message: expect.any(String), details } };
}

interface AuditItem {
  action: string;
  [key: string]: unknown;
}

/** The visit entries of an appointment's audit trail, oldest first. */
async function visitAudit(t: TestApp, appointmentId: string, adminToken: string) {
  const res = await t.api.get(`/api/audit?targetId=${appointmentId}`, { token: adminToken });
  expect(res.status).toBe(200);
  return (res.body.items as AuditItem[])
    .filter((e) => e.action.startsWith('visit.'))
    .map((e) => ({
      actorId: e.actorId,
      action: e.action,
      outcome: e.outcome,
      targetType: e.targetType,
      targetId: e.targetId,
      details: e.details,
    }))
    .reverse();
}

describe('signaling visits (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      VISIT_RESUME_GRACE_SECONDS: String(GRACE_SECONDS),
      STUN_URLS: STUN,
    });
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  const patientOf = (visit: TestVisit) => ({
    userId: visit.patient.id,
    role: 'patient',
    displayName: visit.patient.displayName,
  });
  const clinicianOf = (visit: TestVisit) => ({
    userId: visit.clinician.id,
    role: 'clinician',
    displayName: visit.clinician.displayName,
  });

  async function join(socket: SignalingClient, appointmentId: string) {
    return socket.request('session.join', { appointmentId });
  }

  async function statusOf(visit: TestVisit): Promise<string> {
    const res = await t.api.get(`/api/appointments/${visit.appointmentId}`, {
      token: visit.patient.token,
    });
    expect(res.status).toBe(200);
    return res.body.status as string;
  }

  describe('who may join, and when', () => {
    it('a stranger’s join is APPOINTMENT_NOT_FOUND and nothing else happens', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const patient = await connect(t, visit.patient);
      const clinician = await connect(t, visit.clinician);
      await expectAck(join(patient, appointmentId));
      await expectAck(join(clinician, appointmentId));
      await clinician.next('session.waiting');

      const admin = await adminOf(t);
      const strangers = await Promise.all([
        makePatient(t.api, 'Nosy Neighbour'),
        makeStaff(t.api, admin.token, 'clinician', 'Dr Other'),
      ]);
      for (const stranger of strangers) {
        const socket = await connect(t, stranger);
        const answer = await join(socket, appointmentId);
        expect(answer).toEqual(refused(answer.data.id, 'APPOINTMENT_NOT_FOUND'));
        // Not in the visit: it cannot signal into it either.
        const signal = await socket.request('signal', {
          appointmentId,
          type: 'offer',
          payload: OFFER,
        });
        expect(signal).toEqual(refused(signal.data.id, 'NOT_IN_VISIT'));
        await socket.sync();
        expect(socket.frames.map((f) => f.event)).toEqual(['error', 'error', 'error']);
      }

      // The participants saw nothing of it, and the room still holds just the two of them.
      await patient.sync();
      await clinician.sync();
      // Presence and notifications are other suites' business; here only the visit's frames.
      const visitFrames = (socket: typeof patient) =>
        socket.frames.filter((f) => f.event !== 'notification' && f.event !== 'presence');
      expect(visitFrames(patient).map((f) => f.event)).toEqual(['ack', 'error']);
      // Told of the waiting patient on their open socket, and again as they join the visit.
      expect(visitFrames(clinician).map((f) => f.event)).toEqual([
        'session.waiting',
        'ack',
        'session.waiting',
        'error',
      ]);
      const again = await expectAck(join(clinician, appointmentId));
      expect(again.participants).toEqual([
        { ...patientOf(visit), state: 'waiting' },
        { ...clinicianOf(visit), state: 'admitted' },
      ]);
    });

    it('an appointment that does not exist is APPOINTMENT_NOT_FOUND', async () => {
      const patient = await connect(t, await makePatient(t.api));
      const answer = await join(patient, randomUUID());
      expect(answer).toEqual(refused(answer.data.id, 'APPOINTMENT_NOT_FOUND'));
    });

    it('an admin may not join a visit: FORBIDDEN_ROLE', async () => {
      const visit = await makeVisit(t);
      const admin = await connect(t, await adminOf(t));
      const answer = await join(admin, visit.appointmentId);
      expect(answer).toEqual(refused(answer.data.id, 'FORBIDDEN_ROLE'));
    });

    it('too early is VISIT_NOT_OPEN_YET with the time it opens (15 minutes before the start)', async () => {
      const visit = await makeVisit(t, { startsInMinutes: 120 });
      const opensAt = new Date(Date.parse(visit.startsAt) - 15 * 60_000).toISOString();
      for (const user of [visit.patient, visit.clinician]) {
        const socket = await connect(t, user);
        const answer = await join(socket, visit.appointmentId);
        expect(answer).toEqual(refused(answer.data.id, 'VISIT_NOT_OPEN_YET', { opensAt }));
      }
    });

    it('a cancelled visit is VISIT_CLOSED', async () => {
      const visit = await makeVisit(t);
      const cancelled = await t.api.post(
        `/api/appointments/${visit.appointmentId}/cancel`,
        {},
        { token: visit.patient.token },
      );
      expect(cancelled.status).toBe(200);
      const patient = await connect(t, visit.patient);
      const answer = await join(patient, visit.appointmentId);
      expect(answer).toEqual(refused(answer.data.id, 'VISIT_CLOSED', { status: 'cancelled' }));
    });

    it('a scheduled visit whose time has passed is VISIT_OVER', async () => {
      const visit = await makeVisit(t, {
        row: {
          startsAt: new Date(Date.now() - 60 * 60_000),
          endsAt: new Date(Date.now() - 30 * 60_000),
        },
      });
      const clinician = await connect(t, visit.clinician);
      const answer = await join(clinician, visit.appointmentId);
      expect(answer).toEqual(refused(answer.data.id, 'VISIT_OVER'));
    });
  });

  describe('the waiting room', () => {
    it('the patient waits (polite); the clinician joins admitted (not polite) and is told who waits', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const patient = await connect(t, visit.patient);
      const clinician = await connect(t, visit.clinician);

      const patientAnswer = await join(patient, appointmentId);
      expect(patientAnswer).toEqual({
        event: 'ack',
        data: {
          id: patientAnswer.data.id,
          appointmentId,
          role: 'patient',
          state: 'waiting',
          polite: true,
          resumed: false,
          iceServers: [{ urls: [STUN] }],
          participants: [{ ...patientOf(visit), state: 'waiting' }],
        },
      });

      const clinicianAnswer = await join(clinician, appointmentId);
      expect(clinicianAnswer).toEqual({
        event: 'ack',
        data: {
          id: clinicianAnswer.data.id,
          appointmentId,
          role: 'clinician',
          state: 'admitted',
          polite: false,
          resumed: false,
          iceServers: [{ urls: [STUN] }],
          participants: [
            { ...patientOf(visit), state: 'waiting' },
            { ...clinicianOf(visit), state: 'admitted' },
          ],
        },
      });
      await expect(clinician.next('session.waiting')).resolves.toEqual({
        event: 'session.waiting',
        data: {
          appointmentId,
          patient: { userId: visit.patient.id, displayName: visit.patient.displayName },
        },
      });

      // A waiting patient is not in the call yet: nobody was told of a peer.
      await patient.sync();
      await clinician.sync();
      expect(patient.received('session.peer-joined')).toEqual([]);
      expect(clinician.received('session.peer-joined')).toEqual([]);
      await expect(statusOf(visit)).resolves.toBe('scheduled');
    });

    it('a patient joining while the clinician is in: the clinician gets session.waiting', async () => {
      const visit = await makeVisit(t, { patientName: 'Robin Waiting' });
      const { appointmentId } = visit;
      const clinician = await connect(t, visit.clinician);
      const patient = await connect(t, visit.patient);
      const first = await expectAck(join(clinician, appointmentId));
      expect(first).toMatchObject({
        state: 'admitted',
        participants: [{ ...clinicianOf(visit), state: 'admitted' }],
      });
      await clinician.sync();
      expect(clinician.received('session.waiting')).toEqual([]);

      const ack = await expectAck(join(patient, appointmentId));
      expect(ack).toMatchObject({ state: 'waiting', polite: true });
      await expect(clinician.next('session.waiting')).resolves.toEqual({
        event: 'session.waiting',
        data: {
          appointmentId,
          patient: { userId: visit.patient.id, displayName: 'Robin Waiting' },
        },
      });
    });

    it('a patient entering the waiting room is announced on every socket of the clinician, joined or not', async () => {
      const visit = await makeVisit(t, { patientName: 'Sam Everywhere' });
      const { appointmentId } = visit;
      const seated = await connect(t, visit.clinician);
      const elsewhere = await connect(t, visit.clinician);
      await expectAck(join(seated, appointmentId));
      const patient = await connect(t, visit.patient);
      await expectAck(join(patient, appointmentId));

      const waiting = {
        event: 'session.waiting',
        data: {
          appointmentId,
          patient: { userId: visit.patient.id, displayName: 'Sam Everywhere' },
        },
      };
      await expect(seated.next('session.waiting')).resolves.toEqual(waiting);
      await expect(elsewhere.next('session.waiting')).resolves.toEqual(waiting);
      // Once each.
      await seated.sync();
      await elsewhere.sync();
      expect(seated.received('session.waiting')).toHaveLength(1);
      expect(elsewhere.received('session.waiting')).toHaveLength(1);
      expect(patient.received('session.waiting')).toEqual([]);
    });
  });

  describe('admitting', () => {
    it('only the clinician admits; then both are told of each other and the visit is in progress', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const patient = await connect(t, visit.patient);
      const clinician = await connect(t, visit.clinician);

      // Nobody waiting yet.
      await expectAck(join(clinician, appointmentId));
      const early = await clinician.request('session.admit', { appointmentId });
      expect(early).toEqual(refused(early.data.id, 'NO_PATIENT_WAITING'));

      await expectAck(join(patient, appointmentId));
      await clinician.next('session.waiting');

      const selfAdmit = await patient.request('session.admit', { appointmentId });
      expect(selfAdmit).toEqual(refused(selfAdmit.data.id, 'FORBIDDEN_ROLE'));
      await expect(statusOf(visit)).resolves.toBe('scheduled');

      const admitted = await clinician.request('session.admit', { appointmentId });
      expect(admitted).toEqual({
        event: 'ack',
        data: { id: admitted.data.id, appointmentId, status: 'in_progress' },
      });
      await expect(patient.next('session.peer-joined')).resolves.toEqual({
        event: 'session.peer-joined',
        data: { appointmentId, ...clinicianOf(visit) },
      });
      await expect(clinician.next('session.peer-joined')).resolves.toEqual({
        event: 'session.peer-joined',
        data: { appointmentId, ...patientOf(visit) },
      });
      await expect(statusOf(visit)).resolves.toBe('in_progress');

      const twice = await clinician.request('session.admit', { appointmentId });
      expect(twice).toEqual(refused(twice.data.id, 'NO_PATIENT_WAITING'));
      const participants = (await expectAck(join(patient, appointmentId))).participants;
      expect(participants).toEqual([
        { ...patientOf(visit), state: 'admitted' },
        { ...clinicianOf(visit), state: 'admitted' },
      ]);
    });

    it('admitting from a socket that did not join is NOT_IN_VISIT', async () => {
      const visit = await makeVisit(t);
      const patient = await connect(t, visit.patient);
      await expectAck(join(patient, visit.appointmentId));
      const clinician = await connect(t, visit.clinician);
      const answer = await clinician.request('session.admit', {
        appointmentId: visit.appointmentId,
      });
      expect(answer).toEqual(refused(answer.data.id, 'NOT_IN_VISIT'));
      await expect(statusOf(visit)).resolves.toBe('scheduled');
    });
  });

  describe('signals', () => {
    it('no signals before the patient is admitted', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const patient = await connect(t, visit.patient);
      const clinician = await connect(t, visit.clinician);
      await expectAck(join(patient, appointmentId));
      await expectAck(join(clinician, appointmentId));

      const fromPatient = await patient.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(fromPatient).toEqual(refused(fromPatient.data.id, 'NOT_ADMITTED'));
      const toPatient = await clinician.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(toPatient).toEqual(refused(toPatient.data.id, 'PEER_NOT_AVAILABLE'));

      await patient.sync();
      await clinician.sync();
      expect(patient.received('signal')).toEqual([]);
      expect(clinician.received('signal')).toEqual([]);
    });

    it('relays between the admitted participants with `from` set by the server', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient, clinician } = await inCall(t, visit);

      const sent = await patient.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(sent).toEqual({
        event: 'ack',
        data: { id: sent.data.id, appointmentId, delivered: true },
      });
      await expect(clinician.next('signal')).resolves.toEqual({
        event: 'signal',
        data: { appointmentId, from: visit.patient.id, type: 'offer', payload: OFFER },
      });

      await expectAck(
        clinician.request('signal', { appointmentId, type: 'answer', payload: ANSWER }),
      );
      await expect(patient.next('signal')).resolves.toEqual({
        event: 'signal',
        data: { appointmentId, from: visit.clinician.id, type: 'answer', payload: ANSWER },
      });

      // An ICE candidate, the end of candidates (null), and a bye without any payload.
      await expectAck(
        patient.request('signal', { appointmentId, type: 'ice-candidate', payload: CANDIDATE }),
      );
      await expectAck(
        patient.request('signal', { appointmentId, type: 'ice-candidate', payload: null }),
      );
      await expectAck(patient.request('signal', { appointmentId, type: 'bye' }));
      await expect(clinician.next('signal')).resolves.toMatchObject({
        data: { type: 'ice-candidate', payload: CANDIDATE },
      });
      await expect(clinician.next('signal')).resolves.toMatchObject({
        data: { type: 'ice-candidate', payload: null },
      });
      await expect(clinician.next('signal')).resolves.toEqual({
        event: 'signal',
        data: { appointmentId, from: visit.patient.id, type: 'bye', payload: null },
      });

      // Nothing echoes back to the sender.
      await patient.sync();
      expect(patient.received('signal')).toHaveLength(1);
    });

    it('a client-supplied `from` is refused as an unknown field and never reaches the peer', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient, clinician } = await inCall(t, visit);
      const impostor = randomUUID();

      const forged = await patient.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
        from: impostor,
      });
      expect(forged).toEqual(
        refused(forged.data.id, 'VALIDATION_FAILED', { fields: { from: expect.any(Array) } }),
      );
      const forgedClinician = await patient.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
        from: visit.clinician.id,
      });
      expect(forgedClinician.data.code).toBe('VALIDATION_FAILED');

      await clinician.sync();
      expect(clinician.received('signal')).toEqual([]);
      // The next honest signal arrives, from the real sender.
      await expectAck(patient.request('signal', { appointmentId, type: 'offer', payload: OFFER }));
      await expect(clinician.next('signal')).resolves.toMatchObject({
        data: { from: visit.patient.id },
      });
      expect(clinician.received('signal').map((f) => f.data.from as string)).toEqual([
        visit.patient.id,
      ]);
    });

    it('a signal from a socket that did not join is NOT_IN_VISIT, even the participant’s own', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { clinician } = await inCall(t, visit);
      const otherDevice = await connect(t, visit.patient);
      const answer = await otherDevice.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(answer).toEqual(refused(answer.data.id, 'NOT_IN_VISIT'));
      await clinician.sync();
      expect(clinician.received('signal')).toEqual([]);
    });
  });

  describe('leaving and ending', () => {
    it('session.leave: the other side gets session.peer-left {reason: left}', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient, clinician } = await inCall(t, visit);

      const left = await patient.request('session.leave', { appointmentId });
      expect(left).toEqual({ event: 'ack', data: { id: left.data.id, appointmentId } });
      await expect(clinician.next('session.peer-left')).resolves.toEqual({
        event: 'session.peer-left',
        data: { appointmentId, userId: visit.patient.id, reason: 'left' },
      });
      const after = await patient.request('signal', { appointmentId, type: 'bye' });
      expect(after).toEqual(refused(after.data.id, 'NOT_IN_VISIT'));
      const toGone = await clinician.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(toGone).toEqual(refused(toGone.data.id, 'PEER_NOT_AVAILABLE'));

      // The visit is still in progress: coming back needs no second admission.
      const back = await expectAck(join(patient, appointmentId));
      expect(back).toMatchObject({ state: 'admitted', resumed: false });
      await expect(clinician.next('session.peer-joined')).resolves.toMatchObject({
        data: { userId: visit.patient.id },
      });
      await expect(patient.next('session.peer-joined')).resolves.toMatchObject({
        data: { userId: visit.clinician.id },
      });
    });

    it('only the clinician ends the visit; both get session.ended; no one joins afterwards', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient, clinician } = await inCall(t, visit);

      const byPatient = await patient.request('session.end', { appointmentId });
      expect(byPatient).toEqual(refused(byPatient.data.id, 'FORBIDDEN_ROLE'));
      await expect(statusOf(visit)).resolves.toBe('in_progress');
      await clinician.sync();
      expect(clinician.received('session.ended')).toEqual([]);

      const ended = await clinician.request('session.end', { appointmentId });
      expect(ended).toEqual({
        event: 'ack',
        data: { id: ended.data.id, appointmentId, status: 'completed' },
      });
      const expected = {
        event: 'session.ended',
        data: { appointmentId, by: visit.clinician.id },
      };
      await expect(patient.next('session.ended')).resolves.toEqual(expected);
      await expect(clinician.next('session.ended')).resolves.toEqual(expected);
      await expect(statusOf(visit)).resolves.toBe('completed');

      // The room is gone and the appointment closed, for every socket.
      const signal = await patient.request('signal', { appointmentId, type: 'bye' });
      expect(signal).toEqual(refused(signal.data.id, 'NOT_IN_VISIT'));
      for (const socket of [patient, clinician, await connect(t, visit.patient)]) {
        const answer = await join(socket, appointmentId);
        expect(answer).toEqual(refused(answer.data.id, 'VISIT_CLOSED', { status: 'completed' }));
      }
    });
  });

  describe('resume after a dropped socket', () => {
    it('within the grace: queued signals arrive in order and the peer sees reconnecting → reconnected', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient, clinician } = await inCall(t, visit);

      patient.drop();
      await expect(clinician.next('session.peer-reconnecting')).resolves.toEqual({
        event: 'session.peer-reconnecting',
        data: { appointmentId, userId: visit.patient.id },
      });
      const during = await expectAck(join(clinician, appointmentId));
      expect(during.participants).toEqual([
        { ...patientOf(visit), state: 'reconnecting' },
        { ...clinicianOf(visit), state: 'admitted' },
      ]);

      const queued = [];
      for (const payload of [OFFER, CANDIDATE]) {
        const type = payload === OFFER ? 'offer' : 'ice-candidate';
        const answer = await clinician.request('signal', { appointmentId, type, payload });
        queued.push(answer);
      }
      for (const answer of queued) {
        expect(answer).toEqual({
          event: 'ack',
          data: { id: answer.data.id, appointmentId, delivered: false, queued: true },
        });
      }

      const back = await connect(t, visit.patient);
      const resumed = await expectAck(join(back, appointmentId));
      expect(resumed).toMatchObject({
        appointmentId,
        role: 'patient',
        state: 'admitted',
        polite: true,
        resumed: true,
      });
      await expect(back.next('signal')).resolves.toEqual({
        event: 'signal',
        data: { appointmentId, from: visit.clinician.id, type: 'offer', payload: OFFER },
      });
      await expect(back.next('signal')).resolves.toEqual({
        event: 'signal',
        data: {
          appointmentId,
          from: visit.clinician.id,
          type: 'ice-candidate',
          payload: CANDIDATE,
        },
      });
      await expect(clinician.next('session.peer-reconnected')).resolves.toEqual({
        event: 'session.peer-reconnected',
        data: { appointmentId, userId: visit.patient.id },
      });

      // Past the grace the resumed patient is still there: no left, no fresh joined.
      await sleep(GRACE_SECONDS * 1000 + 1_500);
      await clinician.sync();
      await back.sync();
      expect(clinician.received('session.peer-left')).toEqual([]);
      expect(clinician.received('session.peer-joined')).toHaveLength(1); // from inCall
      expect(back.received('session.peer-joined')).toEqual([]);
      expect(back.received('signal')).toHaveLength(2);

      const live = await clinician.request('signal', {
        appointmentId,
        type: 'answer',
        payload: ANSWER,
      });
      expect(live.data).toMatchObject({ delivered: true });
      await expect(back.next('signal')).resolves.toMatchObject({ data: { type: 'answer' } });
    });

    it('after the grace: the peer gets session.peer-left {reason: disconnected}', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient, clinician } = await inCall(t, visit);

      patient.drop();
      await expect(clinician.next('session.peer-reconnecting')).resolves.toMatchObject({
        data: { userId: visit.patient.id },
      });
      await expect(clinician.next('session.peer-left')).resolves.toEqual({
        event: 'session.peer-left',
        data: { appointmentId, userId: visit.patient.id, reason: 'disconnected' },
      });
      const toGone = await clinician.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(toGone).toEqual(refused(toGone.data.id, 'PEER_NOT_AVAILABLE'));

      // Coming back later is a fresh join, not a resume.
      const back = await connect(t, visit.patient);
      const again = await expectAck(join(back, appointmentId));
      expect(again).toMatchObject({ state: 'admitted', resumed: false });
      await expect(clinician.next('session.peer-joined')).resolves.toMatchObject({
        data: { userId: visit.patient.id },
      });
      expect(clinician.received('session.peer-reconnected')).toEqual([]);
    });
  });

  describe('many dropped at once', () => {
    it('past the grace, every peer gets session.peer-left once; one who came back keeps the seat', async () => {
      const visits = await Promise.all(Array.from({ length: 6 }, () => makeVisit(t)));
      const calls = await Promise.all(visits.map((visit) => inCall(t, visit)));

      calls.forEach(({ patient }) => patient.drop());
      await Promise.all(calls.map(({ clinician }) => clinician.next('session.peer-reconnecting')));
      const back = await connect(t, visits[0].patient);
      await expectAck(join(back, visits[0].appointmentId));

      await Promise.all(
        calls.slice(1).map(({ clinician }, i) =>
          expect(clinician.next('session.peer-left')).resolves.toEqual({
            event: 'session.peer-left',
            data: {
              appointmentId: visits[i + 1].appointmentId,
              userId: visits[i + 1].patient.id,
              reason: 'disconnected',
            },
          }),
        ),
      );
      // Past the grace of the first visit too: its patient came back and is still in.
      await sleep(500);
      for (const { clinician } of calls) {
        await clinician.sync();
      }
      expect(calls[0].clinician.received('session.peer-left')).toEqual([]);
      calls.slice(1).forEach(({ clinician }) => {
        expect(clinician.received('session.peer-left')).toHaveLength(1);
      });
      const live = await calls[0].clinician.request('signal', {
        appointmentId: visits[0].appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(live.data).toMatchObject({ delivered: true });
    });

    it('a seat is given up only when absent and past the grace', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient, clinician } = await inCall(t, visit);
      const store = t.app.get(RoomStore);
      const seat = [{ appointmentId, userId: visit.patient.id }];

      await expect(store.expire(seat)).resolves.toEqual([]); // held
      patient.drop();
      await clinician.next('session.peer-reconnecting');
      await expect(store.expire(seat)).resolves.toEqual([]); // absent, within the grace

      await clinician.sync();
      expect(clinician.received('session.peer-left')).toEqual([]);
      const kept = await clinician.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(kept.data).toMatchObject({ delivered: false, queued: true });
      await expect(clinician.next('session.peer-left')).resolves.toMatchObject({
        data: { appointmentId, reason: 'disconnected' },
      });
    });
  });

  describe('one device in a visit', () => {
    it('a second device takes over: the first gets session.replaced, signals reach only the second', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const { patient: first, clinician } = await inCall(t, visit);

      const second = await connect(t, visit.patient);
      const ack = await expectAck(join(second, appointmentId));
      expect(ack).toMatchObject({ state: 'admitted', resumed: false, role: 'patient' });
      await expect(first.next('session.replaced')).resolves.toEqual({
        event: 'session.replaced',
        data: { appointmentId },
      });
      // The clinician negotiates afresh with the new device.
      await expect(clinician.next('session.peer-joined')).resolves.toMatchObject({
        data: { userId: visit.patient.id },
      });

      const sent = await clinician.request('signal', {
        appointmentId,
        type: 'offer',
        payload: OFFER,
      });
      expect(sent.data).toMatchObject({ delivered: true });
      await expect(second.next('signal')).resolves.toMatchObject({
        data: { from: visit.clinician.id, type: 'offer' },
      });
      await first.sync();
      expect(first.received('signal')).toEqual([]);
      const fromFirst = await first.request('signal', {
        appointmentId,
        type: 'answer',
        payload: ANSWER,
      });
      expect(fromFirst).toEqual(refused(fromFirst.data.id, 'NOT_IN_VISIT'));

      // The replaced socket going away is not the patient going away.
      await first.close();
      await expectAck(second.request('signal', { appointmentId, type: 'answer', payload: ANSWER }));
      await expect(clinician.next('signal')).resolves.toMatchObject({ data: { type: 'answer' } });
      await clinician.sync();
      expect(clinician.received('session.peer-reconnecting')).toEqual([]);
      expect(clinician.received('session.peer-left')).toEqual([]);
    });
  });

  describe('audit', () => {
    it('joins (allowed and refused), admits and ends are in the appointment’s audit trail', async () => {
      const visit = await makeVisit(t);
      const { appointmentId } = visit;
      const stranger: TestUser = await makePatient(t.api);
      const strangerSocket = await connect(t, stranger);
      expect((await join(strangerSocket, appointmentId)).data.code).toBe('APPOINTMENT_NOT_FOUND');

      const { clinician } = await inCall(t, visit);
      await expectAck(clinician.request('session.end', { appointmentId }));

      const admin = await adminOf(t);
      const entries = await visitAudit(t, appointmentId, admin.token);
      expect(entries).toEqual([
        {
          actorId: stranger.id,
          action: 'visit.join',
          outcome: 'denied',
          targetType: 'appointment',
          targetId: appointmentId,
          details: { code: 'APPOINTMENT_NOT_FOUND' },
        },
        {
          actorId: visit.patient.id,
          action: 'visit.join',
          outcome: 'success',
          targetType: 'appointment',
          targetId: appointmentId,
          details: { resumed: false },
        },
        {
          actorId: visit.clinician.id,
          action: 'visit.join',
          outcome: 'success',
          targetType: 'appointment',
          targetId: appointmentId,
          details: { resumed: false },
        },
        {
          actorId: visit.clinician.id,
          action: 'visit.admit',
          outcome: 'success',
          targetType: 'appointment',
          targetId: appointmentId,
          details: {},
        },
        {
          actorId: visit.clinician.id,
          action: 'visit.end',
          outcome: 'success',
          targetType: 'appointment',
          targetId: appointmentId,
          details: {},
        },
      ]);
    });

    it('a refused early join and a resumed join are audited with their details', async () => {
      const early = await makeVisit(t, { startsInMinutes: 120 });
      const socket = await connect(t, early.patient);
      expect((await join(socket, early.appointmentId)).data.code).toBe('VISIT_NOT_OPEN_YET');

      const visit = await makeVisit(t);
      const { patient, clinician } = await inCall(t, visit);
      patient.drop();
      await clinician.next('session.peer-reconnecting');
      const back = await connect(t, visit.patient);
      expect(await expectAck(join(back, visit.appointmentId))).toMatchObject({ resumed: true });

      const admin = await adminOf(t);
      await expect(visitAudit(t, early.appointmentId, admin.token)).resolves.toEqual([
        {
          actorId: early.patient.id,
          action: 'visit.join',
          outcome: 'denied',
          targetType: 'appointment',
          targetId: early.appointmentId,
          details: { code: 'VISIT_NOT_OPEN_YET' },
        },
      ]);
      const trail = await visitAudit(t, visit.appointmentId, admin.token);
      expect(trail[trail.length - 1]).toEqual({
        actorId: visit.patient.id,
        action: 'visit.join',
        outcome: 'success',
        targetType: 'appointment',
        targetId: visit.appointmentId,
        details: { resumed: true },
      });
    });
  });
});

describe('a dropped socket with no heartbeat to fall back on', () => {
  let t: TestApp;

  beforeAll(async () => {
    // The heartbeat's backstop (seats of closed sockets marked absent) is an hour away, so only
    // the socket's own close can tell the peer.
    t = await startTestApp({
      INSTANCE_HEARTBEAT_MS: '600000',
      INSTANCE_DEAD_AFTER_MS: '1200000',
    });
  });

  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  it('tells the peer of each of its visits that it is reconnecting', async () => {
    const first = await makeVisit(t);
    const second = await makeVisit(t);
    const calls = [await inCall(t, first), await inCall(t, second)];

    calls[0].patient.drop();

    await expect(calls[0].clinician.next('session.peer-reconnecting')).resolves.toEqual({
      event: 'session.peer-reconnecting',
      data: { appointmentId: first.appointmentId, userId: first.patient.id },
    });
    // The other visit's patient is still there: its clinician hears nothing.
    await expect(calls[1].clinician.next('session.peer-reconnecting', 500)).rejects.toThrow(
      /no frame matching/,
    );
  });

  it('a drop that arrives after another socket took the seat changes nothing', async () => {
    const visit = await makeVisit(t);
    const { clinician } = await inCall(t, visit);
    const store = t.app.get(RoomStore);

    const changes = await store.markAbsent([
      { appointmentId: visit.appointmentId, userId: visit.patient.id, connectionId: randomUUID() },
    ]);

    expect(changes).toEqual([]);
    await expect(
      query(
        `SELECT side, connection_id IS NOT NULL AS held, disconnected_at FROM visit_seats
          WHERE appointment_id = $1 ORDER BY side`,
        [visit.appointmentId],
      ),
    ).resolves.toEqual([
      { side: 'clinician', held: true, disconnected_at: null },
      { side: 'patient', held: true, disconnected_at: null },
    ]);
    await clinician.sync();
    expect(clinician.received('session.peer-reconnecting')).toEqual([]);
  });

  it('many sockets dropping together: every peer is told once, and every seat can be resumed', async () => {
    const visits = await Promise.all(Array.from({ length: 12 }, () => makeVisit(t)));
    const calls = await Promise.all(visits.map((visit) => inCall(t, visit)));

    calls.forEach(({ patient }) => patient.drop());

    await Promise.all(
      calls.map(({ clinician }, i) =>
        expect(clinician.next('session.peer-reconnecting')).resolves.toEqual({
          event: 'session.peer-reconnecting',
          data: { appointmentId: visits[i].appointmentId, userId: visits[i].patient.id },
        }),
      ),
    );
    await expect(
      query(
        `SELECT connection_id IS NULL AND disconnected_at IS NOT NULL AS absent
           FROM visit_seats WHERE appointment_id = ANY($1) AND side = 'patient'`,
        [visits.map((visit) => visit.appointmentId)],
      ),
    ).resolves.toEqual(visits.map(() => ({ absent: true })));

    const back = await connect(t, visits[0].patient);
    const resumed = await expectAck(
      back.request('session.join', { appointmentId: visits[0].appointmentId }),
    );
    expect(resumed).toMatchObject({ state: 'admitted', resumed: true });
    await expect(calls[0].clinician.next('session.peer-reconnected')).resolves.toMatchObject({
      data: { userId: visits[0].patient.id },
    });
    for (const { clinician } of calls) {
      await clinician.sync();
      expect(clinician.received('session.peer-reconnecting')).toHaveLength(1);
    }
  });
});
