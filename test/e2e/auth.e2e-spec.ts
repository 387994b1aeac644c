import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { DEVELOPMENT_JWT_SECRET } from '../../src/config/app-config';
import { loginAdmin, makePatient, makeStaff, PASSWORD, uniqueEmail } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { claimsOf, copyExpiringIn, expiredCopyOf } from '../support/tokens';

describe('accounts and tokens (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => t.close());

  describe('register', () => {
    it('creates a patient and never returns the password', async () => {
      const email = uniqueEmail();
      const res = await t.api.post('/api/auth/register', {
        email: email.toUpperCase(),
        password: PASSWORD,
        displayName: '  Pat  ',
      });
      expect(res.status).toBe(201);
      expect(res.body.user).toMatchObject({ email, displayName: 'Pat', role: 'patient' });
      expect(JSON.stringify(res.body)).not.toContain(PASSWORD);
      expect(JSON.stringify(res.body)).not.toContain('argon2');
    });

    it('refuses a taken email, whatever its case, with EMAIL_TAKEN', async () => {
      const email = uniqueEmail();
      await t.api.post('/api/auth/register', { email, password: PASSWORD, displayName: 'A' });
      const again = await t.api.post('/api/auth/register', {
        email: email.toUpperCase(),
        password: PASSWORD,
        displayName: 'B',
      });
      expect(again.status).toBe(409);
      expect(again.body).toMatchObject({ statusCode: 409, code: 'EMAIL_TAKEN' });
      expect(typeof again.body.requestId).toBe('string');
    });

    it('an email written in NFC and in NFD is one account: taken once, logged in with either', async () => {
      const local = `jos-${randomUUID()}`;
      const nfc = `${local}\u00e9@example.test`;
      const nfd = `${local}e\u0301@example.test`;
      const first = await t.api.post('/api/auth/register', {
        email: nfc,
        password: PASSWORD,
        displayName: 'José',
      });
      expect(first.status).toBe(201);
      const again = await t.api.post('/api/auth/register', {
        email: nfd,
        password: PASSWORD,
        displayName: 'Jose',
      });
      expect(again.status).toBe(409);
      expect(again.body.code).toBe('EMAIL_TAKEN');
      for (const email of [nfd, nfc.toUpperCase()]) {
        const res = await t.api.post('/api/auth/login', { email, password: PASSWORD });
        expect(res.status).toBe(200);
        expect(res.body.user).toMatchObject({ id: first.body.user.id, email: nfc });
      }
    });

    it('refuses a fullwidth lookalike email at registration and login, naming email', async () => {
      const fullwidth = `\uff4a\uff4f\uff53\uff45-${randomUUID()}@example.test`;
      const registered = await t.api.post('/api/auth/register', {
        email: fullwidth,
        password: PASSWORD,
        displayName: 'Jose',
      });
      const loggedIn = await t.api.post('/api/auth/login', {
        email: fullwidth,
        password: PASSWORD,
      });
      for (const res of [registered, loggedIn]) {
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('VALIDATION_FAILED');
        expect(Object.keys(res.body.details.fields)).toEqual(['email']);
      }
    });

    it.each([
      ['a right-to-left override', 'Dr \u202eyeL'],
      ['a left-to-right embedding', '\u202aPat'],
      ['a pop directional formatting', 'Pat\u202c'],
      ['a first-strong isolate', 'Pat \u2068Doe'],
      ['a pop directional isolate', 'Pat\u2069'],
      ['a NUL', 'Pat\u0000Doe'],
      ['a bell', 'Pat\u0007'],
      ['a line break inside', 'Pat\nDoe'],
      ['a C1 control', 'Pat\u0085Doe'],
    ])(
      'refuses a display name with %s, at registration and from an admin',
      async (_label, name) => {
        const admin = await loginAdmin(t);
        const body = { email: uniqueEmail(), password: PASSWORD, displayName: name };
        const responses = [
          await t.api.post('/api/auth/register', body),
          await t.api.post('/api/users', { ...body, role: 'clinician' }, { token: admin.token }),
        ];
        for (const res of responses) {
          expect(res.status).toBe(400);
          expect(res.body.code).toBe('VALIDATION_FAILED');
          expect(Object.keys(res.body.details.fields)).toEqual(['displayName']);
        }
        const login = await t.api.post('/api/auth/login', {
          email: body.email,
          password: PASSWORD,
        });
        expect(login.status).toBe(401);
      },
    );

    it('an admin creating a user with a NUL in the email is told which field', async () => {
      const admin = await loginAdmin(t);
      const res = await t.api.post(
        '/api/users',
        { email: `a\u0000${uniqueEmail()}`, password: PASSWORD, displayName: 'X', role: 'admin' },
        { token: admin.token },
      );
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(Object.keys(res.body.details.fields)).toContain('email');
    });

    it('cannot register anything but a patient', async () => {
      const res = await t.api.post('/api/auth/register', {
        email: uniqueEmail(),
        password: PASSWORD,
        displayName: 'Eve',
        role: 'admin',
      });
      expect(res.status).toBe(400);
      expect(res.body.code).toBe('VALIDATION_FAILED');
      expect(res.body.details.fields).toHaveProperty('role');
    });
  });

  describe('login', () => {
    it('answers tokens and the user', async () => {
      const patient = await makePatient(t.api);
      const res = await t.api.post('/api/auth/login', { email: patient.email, password: PASSWORD });
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({
        expiresIn: 900,
        user: { id: patient.id, email: patient.email, role: 'patient' },
      });
      const claims = JSON.parse(
        Buffer.from(res.body.accessToken.split('.')[1], 'base64url').toString(),
      );
      expect(claims).toMatchObject({ sub: patient.id, role: 'patient' });
      expect(typeof claims.sid).toBe('string');
    });

    it('gives the same answer for a wrong password and an unknown email', async () => {
      const patient = await makePatient(t.api);
      const wrong = await t.api.post('/api/auth/login', {
        email: patient.email,
        password: 'not-the-password',
      });
      const unknown = await t.api.post('/api/auth/login', {
        email: uniqueEmail(),
        password: 'not-the-password',
      });
      expect(wrong.status).toBe(401);
      expect(unknown.status).toBe(401);
      expect(wrong.body.code).toBe('INVALID_CREDENTIALS');
      expect(unknown.body.code).toBe('INVALID_CREDENTIALS');
      expect(wrong.body.message).toBe(unknown.body.message);
    });
  });

  describe('access tokens', () => {
    it('users/me answers who the token belongs to', async () => {
      const patient = await makePatient(t.api, 'Robin');
      const me = await t.api.get('/api/users/me', { token: patient.token });
      expect(me.status).toBe(200);
      expect(me.body).toEqual({
        id: patient.id,
        email: patient.email,
        displayName: 'Robin',
        role: 'patient',
      });
    });

    it.each([
      ['no token', undefined, 'UNAUTHENTICATED'],
      ['garbage', 'not-a-jwt', 'INVALID_TOKEN'],
    ])('refuses %s with 401', async (_label, token, code) => {
      const res = await t.api.get('/api/users/me', { token });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe(code);
    });

    it('refuses an expired token with TOKEN_EXPIRED', async () => {
      const patient = await makePatient(t.api);
      const expired = expiredCopyOf(patient.token);
      const res = await t.api.get('/api/users/me', { token: expired });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_EXPIRED');
    });

    it('a token accepted before is refused with TOKEN_EXPIRED once it expires', async () => {
      const patient = await makePatient(t.api);
      const shortLived = copyExpiringIn(patient.token, 2);
      expect((await t.api.get('/api/users/me', { token: shortLived })).status).toBe(200);
      const expiresAt = claimsOf(shortLived).exp * 1000;
      await new Promise((resolve) => setTimeout(resolve, expiresAt - Date.now() + 50));
      const res = await t.api.get('/api/users/me', { token: shortLived });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('TOKEN_EXPIRED');
    });

    it('refuses a correctly signed token without an expiry', async () => {
      const patient = await makePatient(t.api);
      const { sub, role, sid } = claimsOf(patient.token);
      const forever = sign({ sub, role, sid }, DEVELOPMENT_JWT_SECRET, {
        algorithm: 'HS256',
        issuer: 'televisit',
        audience: 'televisit',
      });
      expect(claimsOf(forever)).not.toHaveProperty('exp');
      for (let i = 0; i < 2; i += 1) {
        const res = await t.api.get('/api/users/me', { token: forever });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('INVALID_TOKEN');
      }
    });

    it('refuses a token signed with another key or algorithm', async () => {
      const patient = await makePatient(t.api);
      const claims = JSON.parse(Buffer.from(patient.token.split('.')[1], 'base64url').toString());
      const forged = sign({ ...claims }, 'x'.repeat(40), { algorithm: 'HS256' });
      const unsigned = sign({ ...claims }, '', { algorithm: 'none' });
      for (const token of [forged, unsigned]) {
        const res = await t.api.get('/api/users/me', { token });
        expect(res.status).toBe(401);
        expect(res.body.code).toBe('INVALID_TOKEN');
      }
    });
  });

  describe('refresh and logout', () => {
    it('rotates: the new pair works and the old refresh token does not', async () => {
      const patient = await makePatient(t.api);
      const first = await t.api.post('/api/auth/refresh', { refreshToken: patient.refreshToken });
      expect(first.status).toBe(200);
      expect(first.body.refreshToken).not.toBe(patient.refreshToken);
      const me = await t.api.get('/api/users/me', { token: first.body.accessToken });
      expect(me.status).toBe(200);
      const second = await t.api.post('/api/auth/refresh', {
        refreshToken: first.body.refreshToken,
      });
      expect(second.status).toBe(200);
    });

    it('reuse of a used refresh token ends the whole login', async () => {
      const patient = await makePatient(t.api);
      const rotated = await t.api.post('/api/auth/refresh', { refreshToken: patient.refreshToken });
      const replay = await t.api.post('/api/auth/refresh', { refreshToken: patient.refreshToken });
      expect(replay.status).toBe(401);
      expect(replay.body.code).toBe('REFRESH_TOKEN_REUSED');

      const legit = await t.api.post('/api/auth/refresh', {
        refreshToken: rotated.body.refreshToken,
      });
      expect(legit.status).toBe(401);
      expect(legit.body.code).toBe('INVALID_REFRESH_TOKEN');
      const me = await t.api.get('/api/users/me', { token: rotated.body.accessToken });
      expect(me.status).toBe(401);
      expect(me.body.code).toBe('SESSION_ENDED');
    });

    it('an unknown refresh token is INVALID_REFRESH_TOKEN', async () => {
      const res = await t.api.post('/api/auth/refresh', { refreshToken: 'x'.repeat(43) });
      expect(res.status).toBe(401);
      expect(res.body.code).toBe('INVALID_REFRESH_TOKEN');
    });

    it('logout ends that login only', async () => {
      const patient = await makePatient(t.api);
      const other = await t.api.post('/api/auth/login', {
        email: patient.email,
        password: PASSWORD,
      });
      // Used once before: the check of a live login is reused, and must not outlive a logout.
      expect((await t.api.get('/api/users/me', { token: patient.token })).status).toBe(200);
      const out = await t.api.post('/api/auth/logout', { refreshToken: patient.refreshToken });
      expect(out.status).toBe(204);
      expect((await t.api.get('/api/users/me', { token: patient.token })).status).toBe(401);
      const refresh = await t.api.post('/api/auth/refresh', { refreshToken: patient.refreshToken });
      expect(refresh.status).toBe(401);
      expect((await t.api.get('/api/users/me', { token: other.body.accessToken })).status).toBe(
        200,
      );
    });
  });

  describe('admin user management', () => {
    it('an admin creates clinicians and admins; others may not', async () => {
      const admin = await loginAdmin(t);
      const clinician = await makeStaff(t.api, admin.token, 'clinician', 'Dr Who');
      expect(clinician.role).toBe('clinician');
      const patient = await makePatient(t.api);
      for (const token of [patient.token, clinician.token]) {
        const res = await t.api.post(
          '/api/users',
          { email: uniqueEmail(), password: PASSWORD, displayName: 'X', role: 'admin' },
          { token },
        );
        expect(res.status).toBe(403);
        expect(res.body.code).toBe('FORBIDDEN_ROLE');
      }
    });

    it('lists users by role with cursor pagination', async () => {
      const admin = await loginAdmin(t);
      for (let i = 0; i < 3; i += 1) {
        await makeStaff(t.api, admin.token, 'clinician', `Dr Page ${i}`);
      }
      const seen = new Set<string>();
      let cursor: string | null = null;
      let pages = 0;
      do {
        const query: string = `?role=clinician&limit=2${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.api.get(`/api/users${query}`, { token: admin.token });
        expect(res.status).toBe(200);
        expect(res.body.items.length).toBeLessThanOrEqual(2);
        for (const user of res.body.items) {
          expect(user.role).toBe('clinician');
          expect(seen.has(user.id)).toBe(false);
          seen.add(user.id);
        }
        cursor = res.body.nextCursor;
        pages += 1;
      } while (cursor);
      expect(seen.size).toBeGreaterThanOrEqual(3);
      expect(pages).toBeGreaterThanOrEqual(2);
    });

    it('disabling a user stops their tokens at once and hides them from the directory', async () => {
      const admin = await loginAdmin(t);
      const clinician = await makeStaff(t.api, admin.token, 'clinician', 'Dr Gone');
      const before = await t.api.get('/api/clinicians?limit=100', { token: clinician.token });
      expect(before.status).toBe(200);

      const res = await t.api.patch(
        `/api/users/${clinician.id}`,
        { disabled: true },
        { token: admin.token },
      );
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ id: clinician.id, disabled: true });

      const me = await t.api.get('/api/users/me', { token: clinician.token });
      expect(me.status).toBe(401);
      const refresh = await t.api.post('/api/auth/refresh', {
        refreshToken: clinician.refreshToken,
      });
      expect(refresh.status).toBe(401);
      const relogin = await t.api.post('/api/auth/login', {
        email: clinician.email,
        password: PASSWORD,
      });
      expect(relogin.status).toBe(401);
      expect(relogin.body.code).toBe('ACCOUNT_DISABLED');

      const directory = await t.api.get('/api/clinicians?limit=100', { token: admin.token });
      expect(directory.body.items.map((c: { id: string }) => c.id)).not.toContain(clinician.id);

      await t.api.patch(`/api/users/${clinician.id}`, { disabled: false }, { token: admin.token });
      expect((await t.api.get('/api/users/me', { token: clinician.token })).status).toBe(401);
      const back = await t.api.post('/api/auth/login', {
        email: clinician.email,
        password: PASSWORD,
      });
      expect(back.status).toBe(200);
    });

    it('the clinician directory shows id and name only', async () => {
      const admin = await loginAdmin(t);
      const clinician = await makeStaff(t.api, admin.token, 'clinician', 'Dr Listed');
      const patient = await makePatient(t.api);
      const items: { id: string }[] = [];
      let cursor: string | null = null;
      do {
        const path: string = `/api/clinicians?limit=100${cursor ? `&cursor=${cursor}` : ''}`;
        const res = await t.api.get<{ items: { id: string }[]; nextCursor: string | null }>(path, {
          token: patient.token,
        });
        items.push(...res.body.items);
        cursor = res.body.nextCursor;
      } while (cursor);
      expect(items).toContainEqual({ id: clinician.id, displayName: 'Dr Listed' });
    });

    it('an unknown user id is 404 USER_NOT_FOUND', async () => {
      const admin = await loginAdmin(t);
      for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid']) {
        const res = await t.api.patch(
          `/api/users/${id}`,
          { disabled: true },
          { token: admin.token },
        );
        expect(res.status).toBe(404);
        expect(res.body.code).toBe('USER_NOT_FOUND');
      }
    });
  });
});
