import { randomUUID } from 'node:crypto';
import type { ApiResponse } from '../support/api';
import { loginAdmin, makePatient, makeStaff, PASSWORD, slot, TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

const ERROR_KEYS = ['code', 'details', 'message', 'requestId', 'statusCode'];
const OVER_ONE_MIB = 'x'.repeat(1024 * 1024 + 1);

interface Context {
  patient: TestUser;
  clinician: TestUser;
  admin: TestUser;
}

/** Nested objects, `{"a":{"a":…1…}}`, `levels` deep. */
function deepObject(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** Nested arrays, `[[…]]`, `levels` deep. */
function deepArray(levels: number): string {
  return '['.repeat(levels) + ']'.repeat(levels);
}

/** A cursor as the API encodes them, holding whatever the test wants. */
function cursorOf(key: Record<string, string>): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

interface BadRequest {
  method: 'GET' | 'POST' | 'PATCH';
  path: string;
  /** Sent with the patient's token (true) or an admin's. */
  auth: boolean | 'admin';
  /** Encoded as JSON. */
  body?: (ctx: Context) => unknown;
  /** Sent as-is. */
  raw?: (ctx: Context) => string;
  headers?: Record<string, string>;
  status: number;
  code: string;
  /** The field `details.fields` must name. */
  field?: string;
  /** A booking attempt: afterwards the patient must still have no appointments. */
  booking?: boolean;
}

/** A booking the patient could make, for cases that spoil one part of it. */
function goodBooking(ctx: Context) {
  return { clinicianId: ctx.clinician.id, ...slot(7 * 24 * 60), reason: 'Check-up' };
}

function booking(
  spoil: (body: Record<string, unknown>) => Record<string, unknown>,
  expected: Pick<BadRequest, 'status' | 'code' | 'field'> = {
    status: 400,
    code: 'VALIDATION_FAILED',
  },
): BadRequest {
  return {
    method: 'POST',
    path: '/api/appointments',
    auth: true,
    body: (ctx) => spoil(goodBooking(ctx)),
    booking: true,
    ...expected,
  };
}

function invalid(field: string) {
  return { status: 400, code: 'VALIDATION_FAILED', field };
}

const login = (body: unknown): BadRequest => ({
  method: 'POST',
  path: '/api/auth/login',
  auth: false,
  body: () => body,
  status: 400,
  code: 'VALIDATION_FAILED',
});

const CASES: [string, BadRequest][] = [
  [
    'malformed JSON to login',
    {
      method: 'POST',
      path: '/api/auth/login',
      auth: false,
      raw: () => '{"email": "a@example.test", "password": ',
      status: 400,
      code: 'MALFORMED_JSON',
    },
  ],
  [
    'malformed JSON to booking',
    {
      method: 'POST',
      path: '/api/appointments',
      auth: true,
      raw: (ctx) => `{clinicianId: '${ctx.clinician.id}'}`,
      status: 400,
      code: 'MALFORMED_JSON',
      booking: true,
    },
  ],
  [
    'a booking over 1 MiB',
    {
      method: 'POST',
      path: '/api/appointments',
      auth: true,
      raw: (ctx) => JSON.stringify({ ...goodBooking(ctx), reason: OVER_ONE_MIB }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
      booking: true,
    },
  ],
  [
    'a registration over 1 MiB',
    {
      method: 'POST',
      path: '/api/auth/register',
      auth: false,
      raw: () =>
        JSON.stringify({
          email: 'big@example.test',
          password: PASSWORD,
          displayName: OVER_ONE_MIB,
        }),
      status: 413,
      code: 'PAYLOAD_TOO_LARGE',
    },
  ],
  [
    'login in a charset the server does not read',
    {
      method: 'POST',
      path: '/api/auth/login',
      auth: false,
      raw: () => JSON.stringify({ email: 'a@example.test', password: PASSWORD }),
      headers: { 'content-type': 'application/json; charset=klingon' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ],
  [
    'login in a content encoding the server does not read',
    {
      method: 'POST',
      path: '/api/auth/login',
      auth: false,
      raw: () => JSON.stringify({ email: 'a@example.test', password: PASSWORD }),
      headers: { 'content-type': 'application/json', 'content-encoding': 'x-squeezed' },
      status: 415,
      code: 'UNSUPPORTED_MEDIA_TYPE',
    },
  ],
  ['login with a numeric email', { ...login({ email: 42, password: PASSWORD }), field: 'email' }],
  [
    'login with an object password',
    { ...login({ email: 'a@example.test', password: { $ne: '' } }), field: 'password' },
  ],
  [
    'register with an object password',
    {
      method: 'POST',
      path: '/api/auth/register',
      auth: false,
      body: () => ({ email: `${randomUUID()}@example.test`, password: {}, displayName: 'Pat' }),
      ...invalid('password'),
    },
  ],
  [
    'login with an unknown field',
    { ...login({ email: 'a@example.test', password: PASSWORD, admin: true }), field: 'admin' },
  ],
  ['login with an empty object', { ...login({}), field: 'email' }],
  [
    'login with a NUL in the email',
    { ...login({ email: 'pat\u0000@example.test', password: PASSWORD }), field: 'email' },
  ],
  [
    'register with a NUL in the displayName',
    {
      method: 'POST',
      path: '/api/auth/register',
      auth: false,
      body: () => ({
        email: `${randomUUID()}@example.test`,
        password: PASSWORD,
        displayName: 'Pat\u0000',
      }),
      ...invalid('displayName'),
    },
  ],
  ['login with a JSON array', { ...login([]), field: 'email' }],
  [
    'booking with a numeric startsAt',
    booking((b) => ({ ...b, startsAt: Date.parse(b.startsAt as string) }), invalid('startsAt')),
  ],
  [
    'booking with a clinicianId that is not a UUID',
    booking((b) => ({ ...b, clinicianId: 'dr-house' }), invalid('clinicianId')),
  ],
  [
    'booking with a patientId that is not a UUID',
    booking((b) => ({ ...b, patientId: 12345 }), invalid('patientId')),
  ],
  ['booking with a numeric reason', booking((b) => ({ ...b, reason: 7 }), invalid('reason'))],
  [
    'booking with an unknown field',
    booking((b) => ({ ...b, priority: 'urgent' }), invalid('priority')),
  ],
  [
    'booking that tries to set its status',
    booking((b) => ({ ...b, status: 'completed' }), invalid('status')),
  ],
  [
    'booking on 30 February',
    booking((b) => ({ ...b, startsAt: '2026-02-30T10:00:00Z' }), invalid('startsAt')),
  ],
  [
    'booking in month 13',
    booking((b) => ({ ...b, startsAt: '2026-13-01T10:00:00Z' }), invalid('startsAt')),
  ],
  [
    'booking with a date-time without offset',
    booking((b) => ({ ...b, startsAt: '2030-01-01T10:00:00' }), invalid('startsAt')),
  ],
  ["booking 'tomorrow'", booking((b) => ({ ...b, startsAt: 'tomorrow' }), invalid('startsAt'))],
  [
    'booking ending at 25 o’clock',
    booking((b) => ({ ...b, endsAt: '2030-01-01T25:00:00Z' }), invalid('endsAt')),
  ],
  ['booking with a date only', booking((b) => ({ ...b, endsAt: '2030-01-01' }), invalid('endsAt'))],
  ['booking with no body fields', booking(() => ({}), invalid('clinicianId'))],
  [
    'booking as a JSON array',
    {
      method: 'POST',
      path: '/api/appointments',
      auth: true,
      raw: (ctx) => JSON.stringify([goodBooking(ctx)]),
      booking: true,
      ...invalid('clinicianId'),
    },
  ],
  [
    'booking as JSON null',
    {
      method: 'POST',
      path: '/api/appointments',
      auth: true,
      raw: () => 'null',
      status: 400,
      code: 'MALFORMED_JSON',
      booking: true,
    },
  ],
  [
    'booking as a JSON string',
    {
      method: 'POST',
      path: '/api/appointments',
      auth: true,
      raw: () => '"book me"',
      status: 400,
      code: 'MALFORMED_JSON',
      booking: true,
    },
  ],
  [
    'reschedule with a string version',
    {
      method: 'PATCH',
      path: `/api/appointments/${randomUUID()}`,
      auth: true,
      body: () => ({ reason: 'x', version: 'one' }),
      ...invalid('version'),
    },
  ],
  [
    'reschedule to a bad date',
    {
      method: 'PATCH',
      path: `/api/appointments/${randomUUID()}`,
      auth: true,
      body: () => ({ startsAt: '2030-02-29T10:00:00Z', version: 1 }),
      ...invalid('startsAt'),
    },
  ],
  [
    'cancel with a numeric reason',
    {
      method: 'POST',
      path: `/api/appointments/${randomUUID()}/cancel`,
      auth: true,
      body: () => ({ reason: 12 }),
      ...invalid('reason'),
    },
  ],
  [
    'list with limit=ten',
    { method: 'GET', path: '/api/appointments?limit=ten', auth: true, ...invalid('limit') },
  ],
  [
    'list with an unknown status',
    { method: 'GET', path: '/api/appointments?status=lost', auth: true, ...invalid('status') },
  ],
  [
    'list from tomorrow',
    { method: 'GET', path: '/api/appointments?from=tomorrow', auth: true, ...invalid('from') },
  ],
  [
    'list with an unknown parameter',
    { method: 'GET', path: '/api/appointments?sort=desc', auth: true, ...invalid('sort') },
  ],
  [
    'register with a NUL character in displayName',
    {
      method: 'POST',
      path: '/api/auth/register',
      auth: false,
      body: () => ({
        email: `${randomUUID()}@example.test`,
        password: PASSWORD,
        displayName: 'Pat\u0000Patient',
      }),
      ...invalid('displayName'),
    },
  ],
  [
    'login with a NUL character in email',
    { ...login({ email: 'a\u0000@example.test', password: PASSWORD }), field: 'email' },
  ],
  [
    'booking with a NUL character in reason',
    booking((b) => ({ ...b, reason: 'Check\u0000up' }), invalid('reason')),
  ],
  [
    'an admin creating a user with a NUL character in displayName',
    {
      method: 'POST',
      path: '/api/users',
      auth: 'admin',
      body: () => ({
        email: `${randomUUID()}@example.test`,
        password: PASSWORD,
        displayName: '\u0000',
        role: 'clinician',
      }),
      ...invalid('displayName'),
    },
  ],
  [
    'the audit log filtered by a targetId holding NUL',
    { method: 'GET', path: '/api/audit?targetId=%00', auth: 'admin', ...invalid('targetId') },
  ],
  [
    'login whose email is 10,000 levels of nested objects',
    {
      method: 'POST',
      path: '/api/auth/login',
      auth: false,
      raw: () => `{"email":${deepObject(10_000)},"password":"${PASSWORD}"}`,
      ...invalid('email'),
    },
  ],
  [
    'booking whose reason is 10,000 levels of nested arrays',
    {
      method: 'POST',
      path: '/api/appointments',
      auth: true,
      raw: (ctx) => JSON.stringify(goodBooking(ctx)).replace('"Check-up"', deepArray(10_000)),
      booking: true,
      ...invalid('reason'),
    },
  ],
  [
    'a registration that is 10,000 levels of nested arrays',
    {
      method: 'POST',
      path: '/api/auth/register',
      auth: false,
      raw: () => deepArray(10_000),
      status: 400,
      code: 'VALIDATION_FAILED',
    },
  ],
  [
    'list appointments from a cursor in the year 0000',
    {
      method: 'GET',
      path: `/api/appointments?cursor=${cursorOf({ startsAt: '0000-01-01T00:00:00Z', id: randomUUID() })}`,
      auth: true,
      status: 400,
      code: 'INVALID_CURSOR',
    },
  ],
  [
    'list users from a cursor in the year 0000',
    {
      method: 'GET',
      path: `/api/users?cursor=${cursorOf({ createdAt: '0000-12-31T23:59:59Z', id: randomUUID() })}`,
      auth: 'admin',
      status: 400,
      code: 'INVALID_CURSOR',
    },
  ],
  [
    'an unknown route, signed in',
    { method: 'GET', path: '/api/no-such-thing', auth: true, status: 404, code: 'NOT_FOUND' },
  ],
  [
    'an unknown route, anonymous',
    { method: 'POST', path: '/api/no-such-thing', auth: false, status: 404, code: 'NOT_FOUND' },
  ],
];

describe('bad input (e2e)', () => {
  let t: TestApp;
  let ctx: Context;

  beforeAll(async () => {
    t = await startTestApp();
    const admin = await loginAdmin(t);
    const [patient, clinician] = await Promise.all([
      makePatient(t.api),
      makeStaff(t.api, admin.token, 'clinician'),
    ]);
    ctx = { patient, clinician, admin };
  });
  afterAll(() => t.close());

  function send(request: BadRequest, headers: Record<string, string> = {}): Promise<ApiResponse> {
    return t.api.request(request.method, request.path, request.body?.(ctx), {
      token:
        request.auth === 'admin' ? ctx.admin.token : request.auth ? ctx.patient.token : undefined,
      raw: request.raw?.(ctx),
      headers: { ...request.headers, ...headers },
    });
  }

  async function expectNothingBooked(): Promise<void> {
    const res = await t.api.get('/api/appointments', { token: ctx.patient.token });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ items: [], nextCursor: null });
  }

  it.each(CASES)('%s is answered with the error body, never a 500', async (_label, request) => {
    const res = await send(request);

    expect({ status: res.status, code: res.body?.code }).toEqual({
      status: request.status,
      code: request.code,
    });
    expect(Object.keys(res.body).sort()).toEqual(ERROR_KEYS);
    expect(res.body.statusCode).toBe(request.status);
    expect(res.body.message).toEqual(expect.any(String));
    expect(res.body.message).not.toBe('');
    expect(res.body.details).toEqual(expect.any(Object));
    expect(res.body.requestId).toEqual(expect.any(String));
    expect(res.body.requestId).not.toBe('');
    expect(res.headers.get('x-request-id')).toBe(res.body.requestId);
    if (request.field) {
      expect(Object.keys(res.body.details.fields)).toContain(request.field);
    }
    if (request.booking) {
      await expectNothingBooked();
    }
  });

  it.each(
    CASES.filter(([label]) => /malformed|over 1 MiB|numeric startsAt|unknown route/.test(label)),
  )('%s echoes an incoming X-Request-Id', async (_label, request) => {
    const requestId = `client-${randomUUID()}`;
    const res = await send(request, { 'x-request-id': requestId });
    expect(res.status).toBe(request.status);
    expect(res.headers.get('x-request-id')).toBe(requestId);
    expect(res.body.requestId).toBe(requestId);
  });

  it('an incoming X-Request-Id that is not a sane id is replaced, not echoed', async () => {
    const res = await t.api.post('/api/auth/login', undefined, {
      raw: '{"email":',
      headers: { 'x-request-id': 'a b<script>' },
    });
    expect(res.status).toBe(400);
    expect(res.headers.get('x-request-id')).not.toBe('a b<script>');
    expect(res.headers.get('x-request-id')).toBe(res.body.requestId);
    expect(res.body.requestId).toMatch(/^[\w.:-]{1,128}$/);
  });

  it('a well-formed booking still works afterwards, so the cases above were refused for their input', async () => {
    const res = await t.api.post('/api/appointments', goodBooking(ctx), {
      token: ctx.patient.token,
    });
    expect(res.status).toBe(201);
    expect(res.headers.get('x-request-id')).toEqual(expect.any(String));
  });
});
