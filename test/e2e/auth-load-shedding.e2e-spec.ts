import type { Api, ApiResponse } from '../support/api';
import { login, makePatient, PASSWORD, uniqueEmail } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

/** Many copies of a request sent at once. */
function burst(count: number, send: (i: number) => Promise<ApiResponse>): Promise<ApiResponse[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => send(i)));
}

const statusesOf = (responses: ApiResponse[]) => new Set(responses.map((r) => r.status));

describe('password hashing is a bounded queue (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    // One hash at a time, two more may wait: a fourth at once is refused.
    t = await startTestApp({ PASSWORD_HASH_CONCURRENCY: '1', PASSWORD_HASH_QUEUE_LIMIT: '2' });
  });
  afterAll(() => t.close());

  function expectBusy(responses: ApiResponse[]): void {
    const busy = responses.filter((r) => r.status === 503);
    expect(busy.length).toBeGreaterThan(0);
    for (const res of busy) {
      expect(res.body.code).toBe('SERVICE_UNAVAILABLE');
      expect(res.headers.get('retry-after')).toBe('1');
    }
  }

  it('a flood of logins is answered 503 with Retry-After past the bound, and a login works after it', async () => {
    const patient = await makePatient(t.api);
    const responses = await burst(40, () =>
      t.api.post('/api/auth/login', { email: uniqueEmail('bogus'), password: 'guess-guess' }),
    );
    expectBusy(responses);
    expect(statusesOf(responses)).toEqual(new Set([401, 503]));
    // At least the one running and the two waiting were checked.
    expect(responses.filter((r) => r.status === 401).length).toBeGreaterThanOrEqual(3);

    await expect(login(t.api, patient.email)).resolves.toMatchObject({
      user: { id: patient.id },
    });
  });

  it('registrations hash through the same queue, and one refused created nothing', async () => {
    const emails = Array.from({ length: 40 }, () => uniqueEmail('burst'));
    const responses = await burst(40, (i) =>
      t.api.post('/api/auth/register', { email: emails[i], password: PASSWORD, displayName: 'B' }),
    );
    expectBusy(responses);
    expect(statusesOf(responses)).toEqual(new Set([201, 503]));
    const refused = emails[responses.findIndex((r) => r.status === 503)];
    const again = await t.api.post('/api/auth/register', {
      email: refused,
      password: PASSWORD,
      displayName: 'B',
    });
    expect(again.status).toBe(201);
  });
});

describe('registration throttling (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      REGISTER_MAX_PER_ADDRESS: '3',
      REGISTER_THROTTLE_WINDOW_SECONDS: '3600',
      TRUST_PROXY_HOPS: '1',
    });
  });
  afterAll(() => t.close());

  let addresses = 0;
  const fromNewAddress = (): Api => {
    addresses += 1;
    const octet = () => Math.floor(Math.random() * 250) + 1;
    return t.api.with({ 'x-forwarded-for': `10.${octet()}.${octet()}.${addresses}` });
  };
  const register = (api: Api, email = uniqueEmail()) =>
    api.post('/api/auth/register', { email, password: PASSWORD, displayName: 'Pat' });

  it('an address registers a few accounts per window, then 429 with Retry-After; others still can', async () => {
    const api = fromNewAddress();
    for (let i = 0; i < 3; i += 1) {
      expect((await register(api)).status).toBe(201);
    }
    const refused = await register(api);
    expect(refused.status).toBe(429);
    expect(refused.body.code).toBe('TOO_MANY_REGISTRATIONS');
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThan(0);
    expect(retryAfter).toBeLessThanOrEqual(3600);

    expect((await register(fromNewAddress())).status).toBe(201);
  });

  it('a parallel burst from one address cannot all get past the limit', async () => {
    const api = fromNewAddress();
    const responses = await burst(12, () => register(api));
    const created = responses.filter((r) => r.status === 201).length;
    const refused = responses.filter((r) => r.body?.code === 'TOO_MANY_REGISTRATIONS').length;
    expect(created).toBeLessThanOrEqual(3);
    expect(created + refused).toBe(12);
  });

  it('attempts refused for a taken email count too (each cost a hash)', async () => {
    const api = fromNewAddress();
    const email = uniqueEmail();
    expect((await register(api, email)).status).toBe(201);
    for (let i = 0; i < 2; i += 1) {
      expect((await register(api, email)).body.code).toBe('EMAIL_TAKEN');
    }
    expect((await register(api)).body.code).toBe('TOO_MANY_REGISTRATIONS');
  });
});
