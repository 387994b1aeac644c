import { randomUUID } from 'node:crypto';
import { query } from '../support/db';
import { makeStaff } from '../support/factories';
import { guestJoins, inviteGuest, TestGuest } from '../support/guests';
import { SignalingClient, sleep } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf, connect, expectAck, inCall, makeVisit, TestVisit } from '../support/visits';

const OFFER = { type: 'offer', sdp: 'v=0 guest' };

/** Visits with a guest (PRODUCT §9): waiting, admitted after the patient, removed, resumed. */
describe('visits with guests (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ VISIT_MAX_PARTICIPANTS: '3' });
  });

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await t?.close();
  });

  const participantOf = (guest: TestGuest) => ({
    userId: guest.userId,
    role: guest.role,
    displayName: guest.displayName,
  });

  /** A call of three: patient and clinician in, the guest admitted after them. */
  async function callOfThree(visit: TestVisit) {
    const { appointmentId } = visit;
    const { patient, clinician } = await inCall(t, visit);
    const guest = await inviteGuest(t, visit);
    const { socket } = await guestJoins(t, visit, guest);
    await clinician.next('session.waiting');
    await expectAck(clinician.request('session.admit', { appointmentId, userId: guest.userId }));
    await socket.next('session.peer-joined');
    await socket.next('session.peer-joined');
    await patient.next('session.peer-joined');
    await clinician.next('session.peer-joined');
    return { patient, clinician, guest, guestSocket: socket };
  }

  it('a guest waits; the patient is admitted first; then all three meet, each pair told who is polite', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const clinician = await connect(t, visit.clinician);
    await expectAck(clinician.request('session.join', { appointmentId }));
    const guest = await inviteGuest(t, visit);

    const { socket, ack } = await guestJoins(t, visit, guest);
    expect(ack).toMatchObject({ appointmentId, role: 'interpreter', state: 'waiting' });
    await expect(clinician.next('session.waiting')).resolves.toEqual({
      event: 'session.waiting',
      data: { appointmentId, participant: participantOf(guest) },
    });
    const early = await clinician.request('session.admit', { appointmentId, userId: guest.userId });
    expect(early.data).toMatchObject({ code: 'PATIENT_NOT_ADMITTED' });

    const patient = await connect(t, visit.patient);
    await expectAck(patient.request('session.join', { appointmentId }));
    await clinician.next('session.waiting');
    await expectAck(clinician.request('session.admit', { appointmentId }));
    await patient.next('session.peer-joined');
    await clinician.next('session.peer-joined');
    // The waiting guest hears nothing of the patient's admission.
    await socket.sync();
    expect(socket.received('session.peer-joined')).toEqual([]);

    const admitted = await expectAck(
      clinician.request('session.admit', { appointmentId, userId: guest.userId }),
    );
    expect(admitted).toMatchObject({ appointmentId, userId: guest.userId });
    const guestHears = [
      (await socket.next('session.peer-joined')).data,
      (await socket.next('session.peer-joined')).data,
    ];
    expect(guestHears).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ userId: visit.patient.id, role: 'patient', polite: false }),
        expect.objectContaining({ userId: visit.clinician.id, role: 'clinician', polite: true }),
      ]),
    );
    await expect(patient.next('session.peer-joined')).resolves.toMatchObject({
      data: { ...participantOf(guest), polite: true },
    });
    await expect(clinician.next('session.peer-joined')).resolves.toMatchObject({
      data: { ...participantOf(guest), polite: false },
    });

    // With two others in the call, a signal names its recipient.
    const unnamed = await socket.request('signal', {
      appointmentId,
      type: 'offer',
      payload: OFFER,
    });
    expect(unnamed.data).toMatchObject({ code: 'SIGNAL_TO_REQUIRED' });
    await expectAck(
      socket.request('signal', {
        appointmentId,
        to: visit.patient.id,
        type: 'offer',
        payload: OFFER,
      }),
    );
    await expect(patient.next('signal')).resolves.toMatchObject({
      data: { appointmentId, from: guest.userId, type: 'offer', payload: OFFER },
    });
    await clinician.sync();
    expect(clinician.received('signal')).toEqual([]);
  });

  it('a late joiner’s ack lists everyone, saying toward whom it is polite', async () => {
    const visit = await makeVisit(t);
    const { guest } = await callOfThree(visit);
    const again = await SignalingClient.open(t.baseUrl, { token: guest.token });
    const ack = await expectAck(
      again.request('session.join', { appointmentId: visit.appointmentId }),
    );
    expect(ack.participants).toEqual([
      expect.objectContaining({ userId: visit.patient.id, state: 'admitted', polite: false }),
      expect.objectContaining({ userId: visit.clinician.id, state: 'admitted', polite: true }),
      { ...participantOf(guest), state: 'admitted' },
    ]);
  });

  it('at VISIT_MAX_PARTICIPANTS a further guest is refused, until a place is free', async () => {
    const visit = await makeVisit(t);
    const { guestSocket } = await callOfThree(visit);
    const fourth = await inviteGuest(t, visit, { role: 'caregiver', displayName: 'Carla Carer' });
    const socket = await SignalingClient.open(t.baseUrl, { token: fourth.token });

    const refused = await socket.request('session.join', { appointmentId: visit.appointmentId });
    expect(refused.data).toMatchObject({ code: 'VISIT_FULL', details: { max: 3 } });

    await expectAck(guestSocket.request('session.leave', { appointmentId: visit.appointmentId }));
    await expectAck(socket.request('session.join', { appointmentId: visit.appointmentId }));
  });

  it('the host removes a guest: they are told, the others hear it, and they cannot come back', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, clinician, guest, guestSocket } = await callOfThree(visit);

    const byPatient = await patient.request('session.remove', {
      appointmentId,
      userId: guest.userId,
    });
    expect(byPatient.data).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    const ofPatient = await clinician.request('session.remove', {
      appointmentId,
      userId: visit.patient.id,
    });
    expect(ofPatient.data).toMatchObject({ code: 'NOT_A_GUEST' });

    await expectAck(clinician.request('session.remove', { appointmentId, userId: guest.userId }));
    await expect(guestSocket.next('session.ended')).resolves.toEqual({
      event: 'session.ended',
      data: { appointmentId, reason: 'removed' },
    });
    for (const other of [patient, clinician]) {
      await expect(other.next('session.peer-left')).resolves.toEqual({
        event: 'session.peer-left',
        data: { appointmentId, ...participantOf(guest), reason: 'removed' },
      });
    }
    const back = await SignalingClient.refusal(t.baseUrl, { token: guest.token });
    expect(back.status).toBe(401);
    const audited = await query<{ action: string; actor_id: string; details: unknown }>(
      `SELECT action, actor_id, details FROM audit_log
        WHERE target_type = 'user' AND target_id = $1 ORDER BY id`,
      [guest.userId],
    );
    expect(audited).toEqual([
      { action: 'visit.guest_admit', actor_id: visit.clinician.id, details: { appointmentId } },
      { action: 'visit.guest_remove', actor_id: visit.clinician.id, details: { appointmentId } },
    ]);
  });

  it('an invite revoked while its guest waits sends them out', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const clinician = await connect(t, visit.clinician);
    await expectAck(clinician.request('session.join', { appointmentId }));
    const guest = await inviteGuest(t, visit);
    const { socket } = await guestJoins(t, visit, guest);
    await clinician.next('session.waiting');

    const revoked = await t.api.delete(
      `/api/appointments/${appointmentId}/invites/${guest.inviteId}`,
      { token: visit.clinician.token },
    );
    expect(revoked.status).toBe(204);

    await expect(socket.next('session.ended')).resolves.toMatchObject({
      data: { appointmentId, reason: 'removed' },
    });
    await expect(clinician.next('session.peer-left')).resolves.toMatchObject({
      data: { appointmentId, userId: guest.userId, reason: 'removed' },
    });
  });

  it('a guest token opens only its own visit', async () => {
    const visit = await makeVisit(t);
    const other = await makeVisit(t);
    const guest = await inviteGuest(t, visit);
    const socket = await SignalingClient.open(t.baseUrl, { token: guest.token });

    const elsewhere = await socket.request('session.join', { appointmentId: other.appointmentId });
    expect(elsewhere.data).toMatchObject({ code: 'APPOINTMENT_NOT_FOUND' });
    const rest = await t.api.get(`/api/appointments/${visit.appointmentId}`, {
      token: guest.token,
    });
    expect(rest.status).toBe(403);
    expect(rest.body).toMatchObject({ code: 'VISIT_TOKEN_ONLY' });
  });

  it('a guest resumes within the grace, with the signals kept for them', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, clinician, guest, guestSocket } = await callOfThree(visit);

    guestSocket.drop();
    for (const other of [patient, clinician]) {
      await expect(other.next('session.peer-reconnecting')).resolves.toMatchObject({
        data: { appointmentId, userId: guest.userId },
      });
    }
    const kept = await expectAck(
      patient.request('signal', { appointmentId, to: guest.userId, type: 'offer', payload: OFFER }),
    );
    expect(kept).toMatchObject({ queued: true });

    const back = await SignalingClient.open(t.baseUrl, { token: guest.token });
    const ack = await expectAck(back.request('session.join', { appointmentId }));
    expect(ack).toMatchObject({ resumed: true, state: 'admitted' });
    await expect(back.next('signal')).resolves.toMatchObject({
      data: { from: visit.patient.id, type: 'offer', payload: OFFER },
    });
    for (const other of [patient, clinician]) {
      await expect(other.next('session.peer-reconnected')).resolves.toMatchObject({
        data: { appointmentId, userId: guest.userId },
      });
    }
  });

  it('a guest’s second device takes the visit over', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, guest, guestSocket } = await callOfThree(visit);

    const second = await SignalingClient.open(t.baseUrl, { token: guest.token });
    await expectAck(second.request('session.join', { appointmentId }));
    await expect(guestSocket.next('session.replaced')).resolves.toMatchObject({
      data: { appointmentId },
    });
    await expect(patient.next('session.peer-joined')).resolves.toMatchObject({
      data: { userId: guest.userId },
    });
    await expectAck(
      patient.request('signal', { appointmentId, to: guest.userId, type: 'offer', payload: OFFER }),
    );
    await expect(second.next('signal')).resolves.toMatchObject({
      data: { from: visit.patient.id },
    });
  });

  it('a clinician invited by account joins with their own login, as a guest clinician', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const colleague = await makeStaff(t.api, (await adminOf(t)).token, 'clinician', 'Dr Second');
    const created = await t.api.post(
      `/api/appointments/${appointmentId}/invites`,
      { role: 'clinician', displayName: 'Dr Second', userId: colleague.id },
      { token: visit.clinician.token },
    );
    expect(created.status).toBe(201);
    const { clinician } = await inCall(t, visit);

    const socket = await connect(t, colleague);
    const ack = await expectAck(socket.request('session.join', { appointmentId }));
    expect(ack).toMatchObject({ role: 'clinician', state: 'waiting', polite: true });
    const waiting = (f: { event: string; data: any }) =>
      f.event === 'session.waiting' && f.data.participant !== undefined;
    await expect(clinician.next(waiting)).resolves.toMatchObject({
      data: { participant: { userId: colleague.id, role: 'clinician' } },
    });
    // Not the host: a guest clinician admits nobody and cannot end the visit.
    const admit = await socket.request('session.admit', { appointmentId });
    expect(admit.data).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });

  it('ending the visit ends it for all three, and the guest token with it', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, clinician, guest, guestSocket } = await callOfThree(visit);

    await expectAck(clinician.request('session.end', { appointmentId }));
    for (const socket of [patient, clinician, guestSocket]) {
      await expect(socket.next('session.ended')).resolves.toMatchObject({
        data: { appointmentId, by: visit.clinician.id },
      });
    }
    // Guest access ends just after the visit does.
    let refusal = await SignalingClient.refusal(t.baseUrl, { token: guest.token }).catch(
      () => null,
    );
    for (let tries = 0; refusal?.status !== 401 && tries < 50; tries += 1) {
      await sleep(100);
      refusal = await SignalingClient.refusal(t.baseUrl, { token: guest.token }).catch(() => null);
    }
    expect(refusal).toMatchObject({ status: 401 });
  });

  it('chat reaches a waiting guest, and the guest writes and reads the history', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const clinician = await connect(t, visit.clinician);
    await expectAck(clinician.request('session.join', { appointmentId }));
    const guest = await inviteGuest(t, visit);
    const { socket } = await guestJoins(t, visit, guest);

    await expectAck(
      clinician.request('chat.send', { appointmentId, clientMessageId: randomUUID(), text: 'Hi' }),
    );
    await expect(socket.next('chat.message')).resolves.toMatchObject({
      data: { from: visit.clinician.id, role: 'clinician', text: 'Hi' },
    });
    await expectAck(
      socket.request('chat.send', { appointmentId, clientMessageId: randomUUID(), text: 'Hola' }),
    );
    const fromGuest = (f: { event: string; data: any }) =>
      f.event === 'chat.message' && f.data.from === guest.userId;
    await expect(clinician.next(fromGuest)).resolves.toMatchObject({
      data: { role: 'interpreter', displayName: guest.displayName, text: 'Hola' },
    });
    const history = await expectAck(socket.request('chat.history', { appointmentId }));
    expect(history.items.map((m: { text: string }) => m.text)).toEqual(['Hi', 'Hola']);
  });
});
