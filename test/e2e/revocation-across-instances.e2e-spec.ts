import type { Client } from 'pg';
import { InstanceIdentity } from '../../src/realtime/instance-identity';
import { makePatient, makeStaff } from '../support/factories';
import { connectTestDatabase } from '../support/pg';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf } from '../support/visits';

/**
 * Two instances on one database: logging out or disabling through one closes the sockets held
 * on the other (the revocation travels over Postgres NOTIFY when its transaction commits).
 */
describe('revocation across instances (e2e)', () => {
  let a: TestApp;
  let b: TestApp;
  let db: Client;

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp();
    db = await connectTestDatabase();
  });
  afterEach(() => SignalingClient.closeAll());
  afterAll(async () => {
    await a.close();
    await b.close();
    await db.end();
  });

  it('logout on one instance closes that login’s socket on the other with 4001', async () => {
    const patient = await makePatient(a.api);
    const other = await a.api.post('/api/auth/login', {
      email: patient.email,
      password: patient.password,
    });
    const onB = await SignalingClient.open(b.baseUrl, { token: patient.token });
    const otherLoginOnB = await SignalingClient.open(b.baseUrl, {
      token: other.body.accessToken,
    });
    const closed = onB.closedWithin();

    const out = await a.api.post('/api/auth/logout', { refreshToken: patient.refreshToken });
    expect(out.status).toBe(204);
    await expect(closed).resolves.toMatchObject({ code: 4001 });
    // The other login of the same user stays connected.
    const answer = await otherLoginOnB.request('presence.set', { status: 'away' });
    expect(answer.event).toBe('ack');
  });

  it('disabling a user on one instance closes all their sockets on the other with 4001', async () => {
    const admin = await adminOf(a);
    const clinician = await makeStaff(a.api, admin.token, 'clinician', 'Dr Elsewhere');
    const sockets = await Promise.all([
      SignalingClient.open(b.baseUrl, { token: clinician.token }),
      SignalingClient.open(a.baseUrl, { token: clinician.token }),
    ]);
    const closed = sockets.map((s) => s.closedWithin());
    const res = await a.api.patch(
      `/api/users/${clinician.id}`,
      { disabled: true },
      { token: admin.token },
    );
    expect(res.status).toBe(200);
    for (const close of closed) {
      await expect(close).resolves.toMatchObject({ code: 4001 });
    }
  });

  // Each instance reuses a recent check of a live login (for up to ten seconds); a revocation
  // anywhere must end that reuse at once.
  it('logout on one instance ends the login’s requests on the other within a moment', async () => {
    const patient = await makePatient(a.api);
    expect((await b.api.get('/api/users/me', { token: patient.token })).status).toBe(200);

    const out = await a.api.post('/api/auth/logout', { refreshToken: patient.refreshToken });
    expect(out.status).toBe(204);
    expect(await statusOnBWithin(patient.token, 401, 2_000)).toBe(401);
  });

  it('disabling a user on one instance ends their requests on the other within a moment', async () => {
    const admin = await adminOf(a);
    const clinician = await makeStaff(a.api, admin.token, 'clinician', 'Dr Cached');
    expect((await b.api.get('/api/users/me', { token: clinician.token })).status).toBe(200);

    const res = await a.api.patch(
      `/api/users/${clinician.id}`,
      { disabled: true },
      { token: admin.token },
    );
    expect(res.status).toBe(200);
    expect(await statusOnBWithin(clinician.token, 401, 2_000)).toBe(401);
  });

  it('reuses no check while its bus listener is away, so a logout in the gap is honoured', async () => {
    const patient = await makePatient(a.api);
    expect((await b.api.get('/api/users/me', { token: patient.token })).status).toBe(200);

    const cut = await db.query<{ n: number }>(
      `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
        WHERE application_name = $1`,
      [`televisit-listener-${b.app.get(InstanceIdentity).id}`],
    );
    expect(cut.rows[0].n).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 200));
    // B hears nothing now (it reconnects after a second): the broadcast of this logout is lost.
    const out = await a.api.post('/api/auth/logout', { refreshToken: patient.refreshToken });
    expect(out.status).toBe(204);
    expect((await b.api.get('/api/users/me', { token: patient.token })).status).toBe(401);
  });

  /** Polls B until it answers `wanted` (or the time is up); the last status seen. */
  async function statusOnBWithin(token: string, wanted: number, ms: number): Promise<number> {
    const deadline = Date.now() + ms;
    for (;;) {
      const { status } = await b.api.get('/api/users/me', { token });
      if (status === wanted || Date.now() > deadline) {
        return status;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
});
