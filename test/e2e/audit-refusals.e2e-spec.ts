import { randomUUID } from 'node:crypto';
import { makePatient, TestUser } from '../support/factories';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf, connect, expectAck, inCall, makeVisit } from '../support/visits';

interface AuditItem {
  actorId: string;
  action: string;
  outcome: string;
  targetType: string | null;
  targetId: string | null;
  requestId: string | null;
  details: Record<string, unknown>;
}

const UUID_LIKE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

describe('refusals in the audit log (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  /** What the audit log holds by this actor, oldest first. */
  async function auditBy(actor: TestUser, outcome?: string): Promise<AuditItem[]> {
    const admin = await adminOf(t);
    const res = await t.api.get(`/api/audit?actorId=${actor.id}&limit=100`, {
      token: admin.token,
    });
    expect(res.status).toBe(200);
    const items = (res.body.items as AuditItem[]).reverse();
    return outcome ? items.filter((item) => item.outcome === outcome) : items;
  }

  const denial = (actor: TestUser, action: string, targetId: string, code: string) => ({
    actorId: actor.id,
    action,
    outcome: 'denied',
    targetType: 'appointment',
    targetId,
    details: { code },
  });

  it('records every read or change of an appointment refused to someone else, with its request id', async () => {
    const visit = await makeVisit(t, { startsInMinutes: 120 });
    const { appointmentId } = visit;
    const stranger = await makePatient(t.api);
    const as = (requestId: string) => ({
      token: stranger.token,
      headers: { 'x-request-id': requestId },
    });

    const answers = [
      await t.api.get(`/api/appointments/${appointmentId}`, as('probe-get')),
      await t.api.patch(
        `/api/appointments/${appointmentId}`,
        { reason: 'mine now' },
        { ...as('probe-patch'), headers: { 'x-request-id': 'probe-patch', 'if-match': '1' } },
      ),
      await t.api.post(`/api/appointments/${appointmentId}/cancel`, {}, as('probe-cancel')),
      await t.api.post(`/api/appointments/${appointmentId}/no-show`, undefined, as('probe-ns')),
    ];
    expect(answers.map((res) => [res.status, res.body.code])).toEqual(
      Array(4).fill([404, 'APPOINTMENT_NOT_FOUND']),
    );
    const missing = randomUUID();
    expect((await t.api.get(`/api/appointments/${missing}`, as('probe-missing'))).status).toBe(404);
    // Not an id any appointment could have: answered alike, and not written down.
    expect((await t.api.get('/api/appointments/not-a-uuid', as('probe-junk'))).status).toBe(404);

    const entries = await auditBy(stranger, 'denied');
    expect(entries).toMatchObject([
      {
        ...denial(stranger, 'appointment.view', appointmentId, 'APPOINTMENT_NOT_FOUND'),
        requestId: 'probe-get',
      },
      {
        ...denial(stranger, 'appointment.reschedule', appointmentId, 'APPOINTMENT_NOT_FOUND'),
        requestId: 'probe-patch',
      },
      {
        ...denial(stranger, 'appointment.cancel', appointmentId, 'APPOINTMENT_NOT_FOUND'),
        requestId: 'probe-cancel',
      },
      {
        ...denial(stranger, 'appointment.no_show', appointmentId, 'APPOINTMENT_NOT_FOUND'),
        requestId: 'probe-ns',
      },
      {
        ...denial(stranger, 'appointment.view', missing, 'APPOINTMENT_NOT_FOUND'),
        requestId: 'probe-missing',
      },
    ]);

    // Nothing was changed by any of it.
    const own = await t.api.get(`/api/appointments/${appointmentId}`, {
      token: visit.patient.token,
    });
    expect(own.body).toMatchObject({ status: 'scheduled', version: 1, reason: null });
  });

  it('records a participant refused by their role (403), as the target’s trail shows', async () => {
    const visit = await makeVisit(t, { startsInMinutes: 120 });
    const { appointmentId } = visit;
    const res = await t.api.post(`/api/appointments/${appointmentId}/no-show`, undefined, {
      token: visit.patient.token,
    });
    expect([res.status, res.body.code]).toEqual([403, 'FORBIDDEN_ROLE']);

    const admin = await adminOf(t);
    const trail = await t.api.get(`/api/audit?targetId=${appointmentId}`, { token: admin.token });
    expect(trail.body.items[0]).toMatchObject(
      denial(visit.patient, 'appointment.no_show', appointmentId, 'FORBIDDEN_ROLE'),
    );
  });

  it('records refused session.admit and session.end, outside the transaction they rolled back', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const stranger = await makePatient(t.api);
    const strangerSocket = await connect(t, stranger);
    for (const event of ['session.admit', 'session.end']) {
      const answer = await strangerSocket.request(event, { appointmentId });
      expect(answer).toMatchObject({ event: 'error', data: { code: 'NOT_IN_VISIT' } });
    }

    const { patient } = await inCall(t, visit);
    // The patient is seated: admitting is not theirs to do, nor is ending (refused in the
    // visit's transaction, by the appointment's rules).
    for (const event of ['session.admit', 'session.end']) {
      const answer = await patient.request(event, { appointmentId });
      expect(answer).toMatchObject({ event: 'error', data: { code: 'FORBIDDEN_ROLE' } });
    }

    expect(await auditBy(stranger, 'denied')).toMatchObject([
      denial(stranger, 'visit.admit', appointmentId, 'NOT_IN_VISIT'),
      denial(stranger, 'visit.end', appointmentId, 'NOT_IN_VISIT'),
    ]);
    const byPatient = await auditBy(visit.patient, 'denied');
    expect(byPatient).toMatchObject([
      denial(visit.patient, 'visit.admit', appointmentId, 'FORBIDDEN_ROLE'),
      denial(visit.patient, 'visit.end', appointmentId, 'FORBIDDEN_ROLE'),
    ]);
    const own = await t.api.get(`/api/appointments/${appointmentId}`, {
      token: visit.clinician.token,
    });
    expect(own.body.status).toBe('in_progress');
  });

  it.each([
    ['markup', '<script>alert(1)</script>'],
    ['an over-long id', 'a'.repeat(300)],
  ])('gives a socket whose X-Request-Id is %s a fresh id, as REST does', async (_label, forged) => {
    const visit = await makeVisit(t);
    const socket = await SignalingClient.open(t.baseUrl, {
      token: visit.patient.token,
      headers: { 'x-request-id': forged },
    });
    await expectAck(socket.request('session.join', { appointmentId: visit.appointmentId }));
    const [join] = (await auditBy(visit.patient)).filter((e) => e.action === 'visit.join');
    expect(join.requestId).toMatch(UUID_LIKE);
  });

  it('keeps a sane X-Request-Id of a socket', async () => {
    const visit = await makeVisit(t);
    const socket = await SignalingClient.open(t.baseUrl, {
      token: visit.patient.token,
      headers: { 'x-request-id': 'client-upgrade-42' },
    });
    await expectAck(socket.request('session.join', { appointmentId: visit.appointmentId }));
    const [join] = (await auditBy(visit.patient)).filter((e) => e.action === 'visit.join');
    expect(join.requestId).toBe('client-upgrade-42');
  });
});
