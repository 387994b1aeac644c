import { loginAdmin, makePatient, makeStaff, PASSWORD, uniqueEmail } from '../support/factories';
import { Api } from '../support/api';
import { startTestApp, TestApp } from '../support/test-app';

describe('operations (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  it('reports liveness and readiness without a token', async () => {
    const live = await t.api.get('/health/live');
    const ready = await t.api.get('/health/ready');
    expect(live.status).toBe(200);
    expect(ready.status).toBe(200);
    expect(ready.body).toEqual({ status: 'ok', database: 'up' });
  });

  it('serves the OpenAPI document with every route, and the browsable docs', async () => {
    const doc = await t.api.get('/api/docs-json');
    expect(doc.status).toBe(200);
    expect(Object.keys(doc.body.paths)).toEqual(
      expect.arrayContaining([
        '/api/auth/register',
        '/api/auth/login',
        '/api/auth/refresh',
        '/api/auth/logout',
        '/api/users/me',
        '/api/users',
        '/api/users/{id}',
        '/api/clinicians',
        '/api/appointments',
        '/api/appointments/{id}',
        '/api/appointments/{id}/cancel',
        '/api/appointments/{id}/no-show',
        '/api/audit',
      ]),
    );
    const page = await t.api.get('/api/docs');
    expect(page.status).toBe(200);
    expect(String(page.body)).toContain('<html');
  });

  it('creates the first admin once, however often the service starts', async () => {
    const second = await startTestApp({
      ADMIN_EMAIL: t.admin.email,
      ADMIN_PASSWORD: 'another-password-1',
    });
    try {
      const admin = await loginAdmin(t);
      const users = await t.api.get('/api/users?role=admin&limit=100', { token: admin.token });
      const matches = users.body.items.filter((u: { email: string }) => u.email === t.admin.email);
      expect(matches).toHaveLength(1);
      const withNewPassword = await t.api.post('/api/auth/login', {
        email: t.admin.email,
        password: 'another-password-1',
      });
      expect(withNewPassword.status).toBe(401);
    } finally {
      await second.close();
    }
  });

  it('writes logins, failed logins and user changes to the audit log, readable by admins only', async () => {
    const admin = await loginAdmin(t);
    const patient = await makePatient(t.api);
    await t.api.post('/api/auth/login', { email: patient.email, password: 'wrong-password' });

    const res = await t.api.get(`/api/audit?actorId=${patient.id}`, { token: admin.token });
    expect(res.status).toBe(200);
    expect(res.body.items.every((e: { actorId: string }) => e.actorId === patient.id)).toBe(true);
    expect(res.body.items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ action: 'user.register', outcome: 'success' }),
        expect.objectContaining({
          action: 'auth.login',
          outcome: 'success',
          ip: expect.any(String),
        }),
        expect.objectContaining({ action: 'auth.login', outcome: 'failure' }),
      ]),
    );
    expect(JSON.stringify(res.body)).not.toContain('wrong-password');

    const refused = await t.api.get('/api/audit', { token: patient.token });
    expect(refused.status).toBe(403);
    expect(refused.body.code).toBe('FORBIDDEN_ROLE');
  });

  it('pages the audit log newest first', async () => {
    const admin = await loginAdmin(t);
    const first = await t.api.get('/api/audit?limit=2', { token: admin.token });
    expect(first.body.items).toHaveLength(2);
    expect(Number(first.body.items[0].id)).toBeGreaterThan(Number(first.body.items[1].id));
    const next = await t.api.get(`/api/audit?limit=2&cursor=${first.body.nextCursor}`, {
      token: admin.token,
    });
    expect(Number(next.body.items[0].id)).toBeLessThan(Number(first.body.items[1].id));
  });
});

describe('failed-login throttling (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      LOGIN_MAX_FAILURES_PER_ACCOUNT_AND_ADDRESS: '3',
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '5',
      LOGIN_MAX_FAILURES_PER_ADDRESS: '6',
      LOGIN_THROTTLE_WINDOW_SECONDS: '600',
      TRUST_PROXY_HOPS: '1',
    });
  });
  afterAll(() => t.close());

  // Each client comes from its own address (as through a proxy), so failures made by other
  // suites on this shared database never count against it.
  let addresses = 0;
  const fromNewAddress = (): Api => {
    addresses += 1;
    const octet = () => Math.floor(Math.random() * 250) + 1;
    return t.api.with({ 'x-forwarded-for': `10.${octet()}.${octet()}.${addresses}` });
  };
  const fail = (api: Api, email: string) =>
    api.post('/api/auth/login', { email, password: 'nope-nope' });

  it('locks an account from the address its failures came from, even with the right password, and says when to retry', async () => {
    const api = fromNewAddress();
    const patient = await makePatient(api);
    for (let i = 0; i < 3; i += 1) {
      expect((await fail(api, patient.email)).status).toBe(401);
    }
    const locked = await api.post('/api/auth/login', {
      email: patient.email,
      password: PASSWORD,
    });
    expect(locked.status).toBe(429);
    expect(locked.body.code).toBe('TOO_MANY_LOGIN_ATTEMPTS');
    const retryAfter = Number(locked.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(600);

    // The email's case does not get around the limit.
    const upper = await api.post('/api/auth/login', {
      email: patient.email.toUpperCase(),
      password: PASSWORD,
    });
    expect(upper.status).toBe(429);
  });

  it('failures from one address do not lock the account’s owner out from another', async () => {
    const attacker = fromNewAddress();
    const owner = fromNewAddress();
    const patient = await makePatient(owner);
    for (let i = 0; i < 4; i += 1) {
      await fail(attacker, patient.email);
    }
    expect(
      (await attacker.post('/api/auth/login', { email: patient.email, password: PASSWORD })).status,
    ).toBe(429);
    const own = await owner.post('/api/auth/login', { email: patient.email, password: PASSWORD });
    expect(own.status).toBe(200);
  });

  it('failures spread over many addresses hit the account’s own ceiling, for every address', async () => {
    const patient = await makePatient(fromNewAddress());
    for (let i = 0; i < 5; i += 1) {
      expect((await fail(fromNewAddress(), patient.email)).status).toBe(401);
    }
    const anywhere = await fromNewAddress().post('/api/auth/login', {
      email: patient.email,
      password: PASSWORD,
    });
    expect(anywhere.status).toBe(429);
    expect(anywhere.body.code).toBe('TOO_MANY_LOGIN_ATTEMPTS');
  });

  it('lets a whole clinic behind one address log in, even past its failure limit, and gives a guesser there one try per email', async () => {
    const clinic = fromNewAddress();
    const admin = await loginAdmin({ ...t, api: clinic });
    const staff = [];
    for (let i = 0; i < 8; i += 1) {
      staff.push(await makeStaff(clinic, admin.token, 'clinician', `Dr Staff ${i}`));
    }
    // More successful logins from one address than the failure limit: none is refused.
    for (const member of staff.slice(0, 4)) {
      const res = await clinic.post('/api/auth/login', { email: member.email, password: PASSWORD });
      expect(res.status).toBe(200);
    }
    // Guesses spread over many emails, known or not, from one address: past its limit each
    // email still gets its one check, but no second.
    const guessed = [...staff.slice(6).map((member) => member.email), uniqueEmail(), uniqueEmail()];
    for (let i = 0; i < 6; i += 1) {
      guessed.push(uniqueEmail());
    }
    for (const email of guessed) {
      expect((await fail(clinic, email)).status).toBe(401);
    }
    for (const email of [guessed[0], guessed[guessed.length - 1]]) {
      const again = await fail(clinic, email);
      expect(again.status).toBe(429);
      expect(again.body.code).toBe('TOO_MANY_LOGIN_ATTEMPTS');
    }
    const typoed = await clinic.post('/api/auth/login', {
      email: staff[6].email,
      password: PASSWORD,
    });
    expect(typoed.status).toBe(429);
    // Colleagues with no failures from this address are not refused for the others' failures.
    for (const member of staff.slice(0, 6)) {
      const res = await clinic.post('/api/auth/login', { email: member.email, password: PASSWORD });
      expect(res.status).toBe(200);
    }
  });
});
