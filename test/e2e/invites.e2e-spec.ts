import { randomUUID } from 'node:crypto';
import type { Caller } from '../../src/auth/caller';
import { Clock } from '../../src/common/clock';
import { InvitesService } from '../../src/invites/invites.service';
import { CLOSE_ACCESS_REVOKED } from '../../src/realtime/connection';
import { makePatient, makeStaff, TestUser } from '../support/factories';
import { query } from '../support/db';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf, makeVisit, TestVisit } from '../support/visits';

const MINUTE = 60_000;

/** The claims of an access token, read without checking it (the server did). */
function claimsOf(token: string): { sub: string; sid: string; role: string; exp: number } {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8')) as {
    sub: string;
    sid: string;
    role: string;
    exp: number;
  };
}

describe('visit invites and guests (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let clock: Clock;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await adminOf(t);
    clock = t.app.get(Clock);
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    await SignalingClient.closeAll();
  });

  afterAll(async () => {
    await t?.close();
  });

  const invitesOf = (visit: TestVisit) => `/api/appointments/${visit.appointmentId}/invites`;

  async function invite(visit: TestVisit, body: Record<string, unknown> = {}, as?: TestUser) {
    const created = await t.api.post(
      invitesOf(visit),
      { role: 'interpreter', displayName: 'Sam Interpreter', ...body },
      { token: (as ?? visit.clinician).token },
    );
    expect(created.status).toBe(201);
    return created.body as { id: string; token: string; expiresAt: string; userId?: string };
  }

  const redeem = (token: string) => t.api.post('/api/invites/redeem', { token });

  /** Lets time pass for the service's rules (the clock they read), not for the database. */
  function moveClock(ms: number): void {
    const real = clock.now.bind(clock);
    jest.spyOn(clock, 'now').mockImplementation(() => new Date(real().getTime() + ms));
  }

  it('the clinician invites; the answer has the token once, the list never', async () => {
    const visit = await makeVisit(t);
    const before = Date.now();
    const created = await t.api.post(
      invitesOf(visit),
      { role: 'caregiver', displayName: '  Chris Carer ', expiresInMinutes: 10 },
      { token: visit.clinician.token },
    );
    expect(created.status).toBe(201);
    expect(created.body).toEqual({
      id: expect.any(String),
      role: 'caregiver',
      displayName: 'Chris Carer',
      expiresAt: expect.any(String),
      token: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
    });
    const expiresAt = Date.parse(created.body.expiresAt as string);
    expect(expiresAt).toBeGreaterThanOrEqual(before + 10 * MINUTE);
    expect(expiresAt).toBeLessThanOrEqual(Date.now() + 10 * MINUTE);

    const listed = await t.api.get(invitesOf(visit), { token: visit.clinician.token });
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual({
      items: [
        {
          id: created.body.id,
          role: 'caregiver',
          displayName: 'Chris Carer',
          userId: null,
          expiresAt: created.body.expiresAt,
          createdAt: expect.any(String),
          redeemedAt: null,
          revokedAt: null,
          status: 'pending',
        },
      ],
      nextCursor: null,
    });
    expect(JSON.stringify(listed.body)).not.toContain(created.body.token);
    const [row] = await query<{ token_hash: string }>(
      `SELECT token_hash FROM visit_invites WHERE id = $1`,
      [created.body.id],
    );
    expect(row.token_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('caps the expiry at the visit’s end; 60 minutes by default', async () => {
    const visit = await makeVisit(t, { startsInMinutes: 5, lengthMinutes: 30 });
    const capped = await invite(visit, { expiresInMinutes: 1440 });
    expect(capped.expiresAt).toBe(visit.endsAt);
    const later = await makeVisit(t, { startsInMinutes: 120, lengthMinutes: 30 });
    const plain = await invite(later);
    expect(Date.parse(plain.expiresAt) - Date.now()).toBeGreaterThan(59 * MINUTE);
    expect(Date.parse(plain.expiresAt) - Date.now()).toBeLessThanOrEqual(60 * MINUTE);
  });

  it('an admin invites, lists and revokes too', async () => {
    const visit = await makeVisit(t);
    const created = await invite(visit, {}, admin);
    const revoked = await t.api.delete(`${invitesOf(visit)}/${created.id}`, {
      token: admin.token,
    });
    expect(revoked.status).toBe(204);
    // Revoking again changes nothing.
    expect(
      (await t.api.delete(`${invitesOf(visit)}/${created.id}`, { token: admin.token })).status,
    ).toBe(204);
    const listed = await t.api.get(invitesOf(visit), { token: admin.token });
    expect(listed.body.items).toEqual([
      expect.objectContaining({ id: created.id, status: 'revoked', revokedAt: expect.any(String) }),
    ]);
  });

  it('the patient gets 403; anyone else 404, as if the visit did not exist', async () => {
    const visit = await makeVisit(t);
    const created = await invite(visit);
    const body = { role: 'interpreter', displayName: 'X' };
    const asPatient = { token: visit.patient.token };
    expect((await t.api.post(invitesOf(visit), body, asPatient)).body.code).toBe('FORBIDDEN_ROLE');
    expect((await t.api.post(invitesOf(visit), body, asPatient)).status).toBe(403);
    expect((await t.api.get(invitesOf(visit), asPatient)).status).toBe(403);
    expect((await t.api.delete(`${invitesOf(visit)}/${created.id}`, asPatient)).status).toBe(403);

    const strangers = [await makePatient(t.api), await makeStaff(t.api, admin.token)];
    for (const stranger of strangers) {
      const as = { token: stranger.token };
      for (const answer of [
        await t.api.post(invitesOf(visit), body, as),
        await t.api.get(invitesOf(visit), as),
        await t.api.delete(`${invitesOf(visit)}/${created.id}`, as),
      ]) {
        expect({ status: answer.status, code: answer.body.code }).toEqual({
          status: 404,
          code: 'APPOINTMENT_NOT_FOUND',
        });
      }
    }
    const missing = await t.api.delete(`${invitesOf(visit)}/${randomUUID()}`, {
      token: visit.clinician.token,
    });
    expect({ status: missing.status, code: missing.body.code }).toEqual({
      status: 404,
      code: 'INVITE_NOT_FOUND',
    });
    const denied = await query<{ action: string; actor_id: string }>(
      `SELECT action, actor_id FROM audit_log
        WHERE target_id = $1 AND outcome = 'denied' ORDER BY id`,
      [visit.appointmentId],
    );
    expect(denied.map((row) => row.action)).toEqual(
      expect.arrayContaining(['invite.created', 'invite.list', 'invite.revoked']),
    );
  });

  it('refuses bad bodies, unknown fields, closed visits and unfit invitees', async () => {
    const visit = await makeVisit(t);
    const as = { token: visit.clinician.token };
    const send = (body: Record<string, unknown>) => t.api.post(invitesOf(visit), body, as);
    for (const body of [
      { role: 'patient', displayName: 'X' },
      { role: 'interpreter', displayName: '' },
      { role: 'interpreter', displayName: 'x'.repeat(101) },
      { role: 'interpreter', displayName: 'X', expiresInMinutes: 0 },
      { role: 'interpreter', displayName: 'X', expiresInMinutes: 1441 },
      { role: 'interpreter', displayName: 'X', userId: 'nope' },
      { role: 'interpreter', displayName: 'X', token: 'mine' },
    ]) {
      const answer = await send(body);
      expect({ body, status: answer.status, code: answer.body.code }).toEqual({
        body,
        status: 400,
        code: 'VALIDATION_FAILED',
      });
    }
    const patient = await makePatient(t.api);
    const codeOf = async (body: Record<string, unknown>) => {
      const answer = await send({ role: 'clinician', displayName: 'Dr Other', ...body });
      return { status: answer.status, code: answer.body.code as string };
    };
    expect(await codeOf({ userId: patient.id })).toEqual({
      status: 422,
      code: 'CLINICIAN_NOT_FOUND',
    });
    expect(await codeOf({ userId: randomUUID() })).toEqual({
      status: 422,
      code: 'CLINICIAN_NOT_FOUND',
    });
    expect(await codeOf({ userId: visit.clinician.id })).toEqual({
      status: 422,
      code: 'ALREADY_A_PARTICIPANT',
    });
    const colleague = await makeStaff(t.api, admin.token);
    const withUser = await send({
      role: 'clinician',
      displayName: 'Dr Other',
      userId: colleague.id,
    });
    expect(withUser.status).toBe(201);
    expect(withUser.body.userId).toBe(colleague.id);
    expect(await codeOf({ userId: colleague.id })).toEqual({
      status: 409,
      code: 'ALREADY_INVITED',
    });

    const cancelled = await t.api.post(
      `/api/appointments/${visit.appointmentId}/cancel`,
      {},
      { token: visit.patient.token },
    );
    expect(cancelled.status).toBe(200);
    expect(await codeOf({})).toEqual({ status: 409, code: 'VISIT_CLOSED' });
  });

  it('a token is redeemed once; every bad token gets one and the same answer', async () => {
    const visit = await makeVisit(t);
    const created = await invite(visit);
    const first = await redeem(created.token);
    expect(first.status).toBe(200);
    expect(first.body).toEqual({
      accessToken: expect.any(String),
      expiresAt: new Date(Date.parse(visit.endsAt) + 60 * MINUTE).toISOString(),
      appointmentId: visit.appointmentId,
    });
    const claims = claimsOf(first.body.accessToken as string);
    expect(claims.role).toBe('guest');
    expect(claims.exp).toBe(Date.parse(visit.endsAt) / 1000 + 3600);
    const [guest] = await query<{ role: string; email: string | null; display_name: string }>(
      `SELECT role, email, display_name FROM users WHERE id = $1`,
      [claims.sub],
    );
    expect(guest).toEqual({ role: 'guest', email: null, display_name: 'Sam Interpreter' });
    const [session] = await query<{ appointment_id: string }>(
      `SELECT appointment_id FROM auth_sessions WHERE id = $1`,
      [claims.sid],
    );
    expect(session.appointment_id).toBe(visit.appointmentId);

    const revokedInvite = await invite(visit, { displayName: 'Revoked' });
    await t.api.delete(`${invitesOf(visit)}/${revokedInvite.id}`, { token: visit.clinician.token });
    const colleague = await makeStaff(t.api, admin.token);
    const forAccount = await invite(visit, { role: 'clinician', userId: colleague.id });

    const answers = [
      await redeem(created.token),
      await redeem(revokedInvite.token),
      await redeem(forAccount.token),
      await redeem('A'.repeat(43)),
    ];
    for (const answer of answers) {
      const body = { ...(answer.body as Record<string, unknown>) };
      delete body.requestId;
      expect({ status: answer.status, body }).toEqual({
        status: 404,
        body: {
          statusCode: 404,
          code: 'INVITE_NOT_FOUND',
          message: expect.any(String),
          details: {},
        },
      });
      expect(answer.body.message).toBe(answers[0].body.message);
    }
    const listed = await t.api.get(invitesOf(visit), { token: visit.clinician.token });
    expect(listed.body.items[0]).toMatchObject({
      status: 'redeemed',
      redeemedAt: expect.any(String),
    });
  });

  it('an expired invite is refused, and listed as expired', async () => {
    const visit = await makeVisit(t);
    const created = await invite(visit, { expiresInMinutes: 1 });
    moveClock(2 * MINUTE);
    const answer = await redeem(created.token);
    expect({ status: answer.status, code: answer.body.code }).toEqual({
      status: 404,
      code: 'INVITE_NOT_FOUND',
    });
    const listed = await t.api.get(invitesOf(visit), { token: visit.clinician.token });
    expect(listed.body.items[0].status).toBe('expired');
    const [failure] = await query<{ details: { reason: string } }>(
      `SELECT details FROM audit_log WHERE target_id = $1 AND outcome = 'failure'`,
      [created.id],
    );
    expect(failure.details.reason).toBe('expired');
  });

  it('a guest token opens the visit’s socket and no REST route; revoking closes it', async () => {
    const visit = await makeVisit(t);
    const created = await invite(visit);
    const { accessToken } = (await redeem(created.token)).body as { accessToken: string };
    const guestId = claimsOf(accessToken).sub;

    for (const path of [
      `/api/appointments/${visit.appointmentId}`,
      '/api/users/me',
      '/api/notifications',
      invitesOf(visit),
    ]) {
      const answer = await t.api.get(path, { token: accessToken });
      expect({ path, status: answer.status, code: answer.body.code }).toEqual({
        path,
        status: 403,
        code: 'VISIT_TOKEN_ONLY',
      });
    }

    const socket = await SignalingClient.open(t.baseUrl, { token: accessToken });
    // A frame is answered (an error frame or an ack, not a closed socket): the socket is live.
    const answer = await socket.request('presence.set', { status: 'away' });
    expect(['ack', 'error']).toContain(answer.event);

    const invites = t.app.get(InvitesService);
    const heard: [string, string][] = [];
    invites.onRevoked((appointmentId, userId) => {
      heard.push([appointmentId, userId]);
      return Promise.resolve();
    });
    const revoked = await t.api.delete(`${invitesOf(visit)}/${created.id}`, {
      token: visit.clinician.token,
    });
    expect(revoked.status).toBe(204);
    expect((await socket.closed).code).toBe(CLOSE_ACCESS_REVOKED);
    expect(heard).toEqual([[visit.appointmentId, guestId]]);
    const refusal = await SignalingClient.refusal(t.baseUrl, { token: accessToken });
    expect({ status: refusal.status, code: refusal.body.code }).toEqual({
      status: 401,
      code: 'SESSION_ENDED',
    });

    const audit = await query<{
      action: string;
      actor_id: string;
      target_type: string;
      details: Record<string, unknown>;
    }>(
      `SELECT action, actor_id, target_type, details FROM audit_log
        WHERE target_id = $1 AND outcome = 'success' ORDER BY id`,
      [created.id],
    );
    const details = { appointmentId: visit.appointmentId, role: 'interpreter' };
    expect(audit).toEqual([
      { action: 'invite.created', actor_id: visit.clinician.id, target_type: 'invite', details },
      { action: 'invite.redeemed', actor_id: guestId, target_type: 'invite', details },
      { action: 'invite.revoked', actor_id: visit.clinician.id, target_type: 'invite', details },
    ]);
    const everything = JSON.stringify(
      await query(`SELECT * FROM audit_log WHERE target_id = $1`, [created.id]),
    );
    expect(everything).not.toContain(created.token);
    expect(everything).not.toContain('Sam Interpreter');
  });

  it('endGuestAccess ends every guest login of the visit', async () => {
    const visit = await makeVisit(t);
    const tokens = [];
    for (const name of ['One', 'Two']) {
      const created = await invite(visit, { displayName: name });
      tokens.push((await redeem(created.token)).body.accessToken as string);
    }
    const sockets = await Promise.all(
      tokens.map((token) => SignalingClient.open(t.baseUrl, { token })),
    );
    await t.app.get(InvitesService).endGuestAccess(visit.appointmentId);
    for (const socket of sockets) {
      expect((await socket.closed).code).toBe(CLOSE_ACCESS_REVOKED);
    }
    for (const token of tokens) {
      expect((await SignalingClient.refusal(t.baseUrl, { token })).status).toBe(401);
    }
  });

  it('guestSeat: a guest’s own visit only; an invited clinician’s first use before expiry', async () => {
    const visit = await makeVisit(t);
    const other = await makeVisit(t);
    const invites = t.app.get(InvitesService);
    const origin = { ip: null, requestId: null };

    const created = await invite(visit, { role: 'caregiver', displayName: 'Chris Carer' });
    const claims = claimsOf((await redeem(created.token)).body.accessToken as string);
    const guest: Caller = {
      userId: claims.sub,
      role: 'guest',
      sessionId: claims.sid,
      visitId: visit.appointmentId,
      ...origin,
    };
    expect(await invites.guestSeat(guest, visit.appointmentId)).toEqual({
      inviteId: created.id,
      role: 'caregiver',
      displayName: 'Chris Carer',
    });
    expect(await invites.guestSeat(guest, other.appointmentId)).toBeUndefined();
    expect(
      await invites.guestSeat({ ...guest, visitId: other.appointmentId }, visit.appointmentId),
    ).toBeUndefined();

    const colleague = await makeStaff(t.api, admin.token);
    const late = await makeStaff(t.api, admin.token);
    const asAccount = (user: TestUser): Caller => ({
      userId: user.id,
      role: 'clinician',
      sessionId: randomUUID(),
      ...origin,
    });
    const forColleague = await invite(visit, {
      role: 'clinician',
      displayName: 'Dr Colleague',
      userId: colleague.id,
      expiresInMinutes: 1,
    });
    await invite(visit, {
      role: 'clinician',
      displayName: 'Dr Late',
      userId: late.id,
      expiresInMinutes: 1,
    });
    expect(await invites.guestSeat(asAccount(colleague), visit.appointmentId)).toEqual({
      inviteId: forColleague.id,
      role: 'clinician',
      displayName: 'Dr Colleague',
    });
    expect(await invites.guestSeat(asAccount(colleague), other.appointmentId)).toBeUndefined();
    moveClock(2 * MINUTE);
    // Used in time: still good after the expiry. Never used: expired.
    expect(await invites.guestSeat(asAccount(colleague), visit.appointmentId)).toBeDefined();
    expect(await invites.guestSeat(asAccount(late), visit.appointmentId)).toBeUndefined();
    jest.restoreAllMocks();

    const heard: [string, string][] = [];
    invites.onRevoked((appointmentId, userId) => {
      heard.push([appointmentId, userId]);
      return Promise.resolve();
    });
    await t.api.delete(`${invitesOf(visit)}/${forColleague.id}`, { token: visit.clinician.token });
    expect(heard).toContainEqual([visit.appointmentId, colleague.id]);
    expect(await invites.guestSeat(asAccount(colleague), visit.appointmentId)).toBeUndefined();
  });

  it('an admin’s user list leaves guests out', async () => {
    const visit = await makeVisit(t);
    const created = await invite(visit);
    const guestId = claimsOf((await redeem(created.token)).body.accessToken as string).sub;
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.api.get(
        `/api/users?limit=100${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
        { token: admin.token },
      );
      expect(page.status).toBe(200);
      seen.push(...(page.body.items as { id: string }[]).map((user) => user.id));
      cursor = page.body.nextCursor as string | null;
    } while (cursor);
    expect(seen).toContain(visit.clinician.id);
    expect(seen).not.toContain(guestId);
    const patched = await t.api.patch(
      `/api/users/${guestId}`,
      { disabled: true },
      { token: admin.token },
    );
    expect(patched.status).toBe(404);
  });
});
