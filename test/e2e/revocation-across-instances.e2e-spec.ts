import { makePatient, makeStaff } from '../support/factories';
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

  beforeAll(async () => {
    a = await startTestApp();
    b = await startTestApp();
  });
  afterEach(() => SignalingClient.closeAll());
  afterAll(async () => {
    await a.close();
    await b.close();
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
});
