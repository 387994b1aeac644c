import { execFile } from 'node:child_process';
import { createECDH, randomBytes, randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ApiResponse } from '../support/api';
import {
  loginAdmin,
  makePatient,
  makeStaff,
  minutesFromNow,
  slot,
  TestUser,
} from '../support/factories';
import {
  documentedCodes,
  mismatches,
  OpenApiDocument,
  OperationEntry,
  operationsOf,
  resolve,
} from '../support/openapi';
import { startTestApp, TestApp } from '../support/test-app';
import { makeVisit } from '../support/visits';

const ROOT = join(__dirname, '..', '..');
const REDOCLY = join(ROOT, 'node_modules', '.bin', 'redocly');
const TOKEN_CODES = ['UNAUTHENTICATED', 'INVALID_TOKEN', 'TOKEN_EXPIRED', 'SESSION_ENDED'];

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: {
    ruleId: string;
    severity: string;
    message: string;
    location: { pointer: string }[];
  }[];
}

/** `redocly lint` with the repository's redocly.yaml, on the document as the app serves it. */
async function lint(doc: OpenApiDocument): Promise<{ exitCode: number; report: LintReport }> {
  const dir = await mkdtemp(join(tmpdir(), 'televisit-openapi-'));
  const file = join(dir, 'openapi.json');
  try {
    await writeFile(file, JSON.stringify(doc, null, 2));
    return await new Promise((resolvePromise, reject) => {
      execFile(
        REDOCLY,
        ['lint', '--config', join(ROOT, 'redocly.yaml'), '--format=json', file],
        {
          cwd: ROOT,
          env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
        },
        (error, stdout) => {
          try {
            resolvePromise({
              exitCode: error ? Number(error.code ?? 1) : 0,
              report: JSON.parse(stdout) as LintReport,
            });
          } catch (parseError) {
            reject(error ?? (parseError as Error));
          }
        },
      );
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe('the OpenAPI document (e2e)', () => {
  let t: TestApp;
  let doc: OpenApiDocument;
  let operations: OperationEntry[];

  beforeAll(async () => {
    t = await startTestApp();
    doc = (await t.api.get<OpenApiDocument>('/api/docs-json')).body;
    operations = operationsOf(doc);
  });
  afterAll(() => t.close());

  /** The documented operation `name` answered; asserts the status and body are documented. */
  function expectDocumented(name: string, response: ApiResponse): void {
    const entry = operations.find((o) => o.name === name);
    expect({ name, documented: entry !== undefined }).toEqual({ name, documented: true });
    const documented = entry?.operation.responses[String(response.status)];
    expect({ name, status: response.status, documented: documented !== undefined }).toEqual({
      name,
      status: response.status,
      documented: true,
    });
    const schema = documented?.content?.['application/json']?.schema;
    if (response.status === 204 || !schema) {
      expect({ name, status: response.status, body: response.body }).toEqual({
        name,
        status: response.status,
        body: undefined,
      });
      return;
    }
    expect({
      name,
      status: response.status,
      problems: mismatches(doc, schema, response.body),
    }).toEqual({ name, status: response.status, problems: [] });
  }

  it('passes redocly lint with redocly.yaml, with no errors and no warnings', async () => {
    const { exitCode, report } = await lint(doc);
    const problems = report.problems.map(
      (p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer}: ${p.message}`,
    );
    expect(problems).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
    expect(exitCode).toBe(0);
  });

  it('fails the lint for an operation without error responses (the check can fail)', async () => {
    const broken = structuredClone(doc);
    const me = broken.paths['/api/users/me'].get;
    me.responses = { '200': me.responses['200'] };
    const { exitCode, report } = await lint(broken);
    expect(exitCode).not.toBe(0);
    expect(report.problems.map((p) => [p.ruleId, p.location[0]?.pointer])).toContainEqual([
      'rule/operation-4xx-response',
      '#/paths/~1api~1users~1me/get/responses',
    ]);
  });

  it('gives every operation a summary and a success response with a schema (204 without)', () => {
    expect(operations.length).toBeGreaterThanOrEqual(22);
    const problems = operations.flatMap(({ name, operation }) => {
      const found: string[] = [];
      if (!operation.summary?.trim()) {
        found.push(`${name}: no summary`);
      }
      const successes = Object.entries(operation.responses).filter(([s]) => /^2\d\d$/.test(s));
      if (successes.length === 0) {
        found.push(`${name}: no 2xx response`);
      }
      for (const [status, response] of successes) {
        const schema = response.content?.['application/json']?.schema;
        if (status === '204' ? schema !== undefined : schema === undefined) {
          found.push(`${name}: ${status} ${status === '204' ? 'has a body' : 'has no schema'}`);
        }
      }
      for (const [status, response] of Object.entries(operation.responses)) {
        if (!response.description.trim()) {
          found.push(`${name}: ${status} has no description`);
        }
      }
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('answers every error with the contract’s ErrorBody, naming its codes', () => {
    const errorBody = doc.components.schemas.ErrorBody;
    expect(errorBody.required?.sort()).toEqual(
      ['code', 'details', 'message', 'requestId', 'statusCode'].sort(),
    );
    const problems = operations.flatMap(({ name, operation }) =>
      Object.entries(operation.responses)
        .filter(([status]) => /^[45]\d\d$/.test(status))
        .flatMap(([status, response]) => {
          const found: string[] = [];
          const schema = response.content?.['application/json']?.schema;
          if (schema?.allOf?.[0]?.$ref !== '#/components/schemas/ErrorBody') {
            found.push(`${name} ${status}: not the ErrorBody`);
          }
          const codes = documentedCodes(response);
          if (codes.length === 0) {
            found.push(`${name} ${status}: no codes`);
          }
          for (const code of codes.filter((c) => !response.description.includes(`\`${c}\``))) {
            found.push(`${name} ${status}: ${code} not in the description`);
          }
          if (['429', '503'].includes(status) && !response.headers?.['Retry-After']) {
            found.push(`${name} ${status}: no Retry-After header`);
          }
          return found;
        }),
    );
    expect(problems).toEqual([]);
  });

  it('lists the errors every route of its kind can answer', () => {
    const problems = operations.flatMap(({ name, operation }) => {
      const found: string[] = [];
      const needs = (status: string, code: string, why: string) => {
        if (!documentedCodes(operation.responses[status]).includes(code)) {
          found.push(`${name}: ${why}, so ${status} ${code}`);
        }
      };
      if (operation.security?.some((requirement) => 'bearer' in requirement)) {
        TOKEN_CODES.forEach((code) => needs('401', code, 'takes a token'));
      }
      if (!name.endsWith('/health/live')) {
        needs('503', 'SERVICE_UNAVAILABLE', 'uses the database');
      }
      if (operation.requestBody) {
        needs('400', 'VALIDATION_FAILED', 'takes a body');
        needs('400', 'MALFORMED_JSON', 'takes a body');
        needs('413', 'PAYLOAD_TOO_LARGE', 'takes a body');
      }
      if (operation.parameters?.some((p) => p.in === 'query')) {
        needs('400', 'VALIDATION_FAILED', 'takes query parameters');
      }
      if (operation.parameters?.some((p) => p.name === 'cursor')) {
        needs('400', 'INVALID_CURSOR', 'takes a cursor');
      }
      if (operation.parameters?.some((p) => p.in === 'path')) {
        const notFound = documentedCodes(operation.responses['404']);
        if (!notFound.some((code) => code.endsWith('_NOT_FOUND'))) {
          found.push(`${name}: names a resource by id, so 404 …_NOT_FOUND`);
        }
      }
      const successes = Object.keys(operation.responses).filter((s) => /^2/.test(s));
      const list = successes
        .map((s) => operation.responses[s].content?.['application/json']?.schema)
        .map((schema) => (schema ? resolve(doc, schema) : undefined))
        .find((schema) => schema?.properties?.nextCursor);
      if (
        list &&
        Object.keys(list.properties ?? {})
          .sort()
          .join() !== 'items,nextCursor'
      ) {
        found.push(`${name}: a list answers {items, nextCursor}`);
      }
      return found;
    });
    expect(problems).toEqual([]);
  });

  it('asks for the bearer token exactly where the server does', async () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    const mismatched: string[] = [];
    for (const { name, method, path, operation } of operations) {
      const response = await t.api.request(
        method,
        path.replace(/\{[^}]+\}/g, randomUUID()),
        ['POST', 'PATCH', 'PUT'].includes(method) ? {} : undefined,
      );
      expectDocumented(name, response);
      const serverWantsToken =
        response.status === 401 && (response.body as { code: string }).code === 'UNAUTHENTICATED';
      const documented = JSON.stringify(operation.security);
      const expected = serverWantsToken ? '[{"bearer":[]}]' : '[]';
      if (documented !== expected) {
        mismatched.push(`${name}: security ${documented}, the server says ${expected}`);
      }
    }
    expect(mismatched).toEqual([]);
    const publicOnes = operations.filter((o) => o.operation.security?.length === 0);
    expect(publicOnes.map((o) => o.name).sort()).toEqual(
      [
        'GET /health/live',
        'GET /health/ready',
        'GET /api/push/public-key',
        'POST /api/auth/login',
        'POST /api/auth/logout',
        'POST /api/auth/refresh',
        'POST /api/auth/register',
        'POST /api/invites/redeem',
      ].sort(),
    );
  });

  it('describes the bodies and statuses the server really sends, on every operation', async () => {
    const seen = new Set<string>();
    const call = async (name: string, response: Promise<ApiResponse>) => {
      const answered = await response;
      expectDocumented(name, answered);
      seen.add(name);
      return answered;
    };
    const admin = await loginAdmin(t);
    const clinician: TestUser = await makeStaff(t.api, admin.token);
    const patient = await makePatient(t.api);
    const email = `openapi-${randomUUID()}@example.test`;
    const as = (user: TestUser) => ({ token: user.token });

    await call('GET /health/live', t.api.get('/health/live'));
    await call('GET /health/ready', t.api.get('/health/ready'));
    await call(
      'POST /api/auth/register',
      t.api.post('/api/auth/register', { email, password: 'long-enough-pass', displayName: 'R' }),
    );
    await call(
      'POST /api/auth/register',
      t.api.post('/api/auth/register', { email, password: 'long-enough-pass', displayName: 'R' }),
    );
    const loggedIn = await call(
      'POST /api/auth/login',
      t.api.post('/api/auth/login', { email, password: 'long-enough-pass' }),
    );
    await call('POST /api/auth/login', t.api.post('/api/auth/login', { email, password: 'wrong' }));
    const pair = await call(
      'POST /api/auth/refresh',
      t.api.post('/api/auth/refresh', { refreshToken: loggedIn.body.refreshToken }),
    );
    await call(
      'POST /api/auth/logout',
      t.api.post('/api/auth/logout', { refreshToken: pair.body.refreshToken }),
    );
    await call('GET /api/users/me', t.api.get('/api/users/me', as(patient)));
    await call('GET /api/users/me', t.api.get('/api/users/me', { token: 'not-a-token' }));
    const staff = await call(
      'POST /api/users',
      t.api.post(
        '/api/users',
        {
          email: `openapi-staff-${randomUUID()}@example.test`,
          password: 'long-enough-pass',
          displayName: 'S',
          role: 'clinician',
        },
        as(admin),
      ),
    );
    await call('GET /api/users', t.api.get('/api/users?limit=2', as(admin)));
    await call('GET /api/users', t.api.get('/api/users', as(patient)));
    await call('GET /api/users', t.api.get('/api/users?cursor=nonsense', as(admin)));
    await call(
      'PATCH /api/users/{id}',
      t.api.patch(`/api/users/${staff.body.id}`, { disabled: true }, as(admin)),
    );
    await call(
      'PATCH /api/users/{id}',
      t.api.patch(`/api/users/${randomUUID()}`, { disabled: true }, as(admin)),
    );
    await call('GET /api/clinicians', t.api.get('/api/clinicians', as(patient)));
    const booked = await call(
      'POST /api/appointments',
      t.api.post(
        '/api/appointments',
        { clinicianId: clinician.id, ...slot(120), reason: 'check-up' },
        as(patient),
      ),
    );
    await call(
      'POST /api/appointments',
      t.api.post('/api/appointments', { clinicianId: clinician.id, ...slot(120) }, as(patient)),
    );
    await call('GET /api/appointments', t.api.get('/api/appointments', as(patient)));
    const id = booked.body.id as string;
    await call('GET /api/appointments/{id}', t.api.get(`/api/appointments/${id}`, as(patient)));
    await call(
      'PATCH /api/appointments/{id}',
      t.api.patch(
        `/api/appointments/${id}`,
        { reason: null },
        {
          ...as(patient),
          headers: { 'if-match': '"1"' },
        },
      ),
    );
    await call(
      'PATCH /api/appointments/{id}',
      t.api.patch(
        `/api/appointments/${id}`,
        { reason: 'again' },
        {
          ...as(patient),
          headers: { 'if-match': '"1"' },
        },
      ),
    );
    await call(
      'POST /api/appointments/{id}/no-show',
      t.api.post(`/api/appointments/${id}/no-show`, undefined, as(clinician)),
    );
    await call(
      'POST /api/appointments/{id}/no-show',
      t.api.post(`/api/appointments/${id}/no-show`, undefined, as(patient)),
    );
    const inbox = await call(
      'GET /api/notifications',
      t.api.get('/api/notifications', as(clinician)),
    );
    await call(
      'GET /api/notifications/unread-count',
      t.api.get('/api/notifications/unread-count', as(clinician)),
    );
    await call(
      'POST /api/notifications/{id}/read',
      t.api.post(`/api/notifications/${inbox.body.items[0].id}/read`, undefined, as(clinician)),
    );
    await call(
      'POST /api/notifications/read-all',
      t.api.post('/api/notifications/read-all', undefined, as(clinician)),
    );
    // Stale on purpose: cancel takes no version, and the document says it ignores If-Match.
    await call(
      'POST /api/appointments/{id}/cancel',
      t.api.post(
        `/api/appointments/${id}/cancel`,
        { reason: 'cannot come' },
        {
          ...as(patient),
          headers: { 'if-match': '"1"' },
        },
      ),
    );
    await call(
      'POST /api/appointments/{id}/cancel',
      t.api.post(`/api/appointments/${id}/cancel`, undefined, as(patient)),
    );
    const hours = await call(
      'GET /api/clinicians/{id}/schedule',
      t.api.get(`/api/clinicians/${clinician.id}/schedule`, as(patient)),
    );
    const { version, ...published } = hours.body;
    delete published.clinicianId;
    await call(
      'PUT /api/clinicians/{id}/schedule',
      t.api.put(`/api/clinicians/${clinician.id}/schedule`, published, {
        ...as(clinician),
        headers: { 'if-match': `"${version}"` },
      }),
    );
    await call(
      'PUT /api/clinicians/{id}/schedule',
      t.api.put(
        `/api/clinicians/${clinician.id}/schedule`,
        { ...published, timeZone: 'Mars/Olympus' },
        as(clinician),
      ),
    );
    const day = { from: minutesFromNow(60), to: minutesFromNow(120) };
    await call(
      'GET /api/clinicians/{id}/slots',
      t.api.get(`/api/clinicians/${clinician.id}/slots?${new URLSearchParams(day)}`, as(patient)),
    );
    await call(
      'GET /api/clinicians/{id}/slots',
      t.api.get(
        `/api/clinicians/${clinician.id}/slots?${new URLSearchParams({ from: day.to, to: day.from })}`,
        as(patient),
      ),
    );
    const held = await call(
      'POST /api/slot-holds',
      t.api.post('/api/slot-holds', { clinicianId: clinician.id, ...slot(300) }, as(patient)),
    );
    await call(
      'POST /api/slot-holds',
      t.api.post('/api/slot-holds', { clinicianId: clinician.id, ...slot(-60) }, as(patient)),
    );
    await call(
      'DELETE /api/slot-holds/{id}',
      t.api.request('DELETE', `/api/slot-holds/${held.body.id}`, undefined, as(patient)),
    );
    await call(
      'DELETE /api/slot-holds/{id}',
      t.api.request('DELETE', `/api/slot-holds/${held.body.id}`, undefined, as(patient)),
    );
    await call(
      'GET /api/clinicians/{id}/visits-outside-hours',
      t.api.get(
        `/api/clinicians/${clinician.id}/visits-outside-hours?${new URLSearchParams(day)}`,
        as(admin),
      ),
    );
    await call(
      'GET /api/clinicians/{id}/visits-outside-hours',
      t.api.get(
        `/api/clinicians/${clinician.id}/visits-outside-hours?${new URLSearchParams(day)}`,
        as(patient),
      ),
    );
    await call('GET /api/audit', t.api.get(`/api/audit?targetId=${id}`, as(admin)));
    await call(
      'GET /api/appointments/{id}/messages',
      t.api.get(`/api/appointments/${id}/messages`, as(patient)),
    );
    await call(
      'GET /api/appointments/{id}/messages',
      t.api.get(`/api/appointments/${id}/messages?after=-1`, as(patient)),
    );
    await call('GET /api/push/public-key', t.api.get('/api/push/public-key'));
    const browser = createECDH('prime256v1');
    const keys = {
      p256dh: browser.generateKeys().toString('base64url'),
      auth: randomBytes(16).toString('base64url'),
    };
    const endpoint = `http://127.0.0.1:9/push/${randomUUID()}`;
    const subscribed = await call(
      'POST /api/me/push-subscriptions',
      t.api.post('/api/me/push-subscriptions', { endpoint, keys }, as(patient)),
    );
    await call(
      'POST /api/me/push-subscriptions',
      t.api.post('/api/me/push-subscriptions', { endpoint: 'ftp://x', keys }, as(patient)),
    );
    for (const subscriptionId of [subscribed.body.id as string, randomUUID()]) {
      await call(
        'DELETE /api/me/push-subscriptions/{id}',
        t.api.request(
          'DELETE',
          `/api/me/push-subscriptions/${subscriptionId}`,
          undefined,
          as(patient),
        ),
      );
    }
    await call(
      'GET /api/me/notification-preferences',
      t.api.get('/api/me/notification-preferences', as(patient)),
    );
    const preferences = { timeZone: 'Europe/Paris', quietHours: null, email: true, push: true };
    await call(
      'PUT /api/me/notification-preferences',
      t.api.request('PUT', '/api/me/notification-preferences', preferences, as(patient)),
    );
    await call(
      'PUT /api/me/notification-preferences',
      t.api.request(
        'PUT',
        '/api/me/notification-preferences',
        { ...preferences, timeZone: 'Mars/Olympus' },
        as(patient),
      ),
    );
    await call('GET /api/delivery-failures', t.api.get('/api/delivery-failures', as(admin)));
    await call('GET /api/delivery-failures', t.api.get('/api/delivery-failures', as(patient)));
    const visit = await makeVisit(t);
    const invites = `/api/appointments/${visit.appointmentId}/invites`;
    const invitation = { role: 'interpreter', displayName: 'Ida Interpreter' };
    const invited = await call(
      'POST /api/appointments/{id}/invites',
      t.api.post(invites, invitation, as(visit.clinician)),
    );
    await call(
      'POST /api/appointments/{id}/invites',
      t.api.post(invites, invitation, as(visit.patient)),
    );
    await call('GET /api/appointments/{id}/invites', t.api.get(invites, as(visit.clinician)));
    await call('GET /api/appointments/{id}/invites', t.api.get(invites, as(patient)));
    const redeemed = await call(
      'POST /api/invites/redeem',
      t.api.post('/api/invites/redeem', { token: invited.body.token }),
    );
    await call(
      'POST /api/invites/redeem',
      t.api.post('/api/invites/redeem', { token: invited.body.token }),
    );
    await call(
      'GET /api/users/me',
      t.api.get('/api/users/me', { token: redeemed.body.accessToken as string }),
    );
    for (const inviteId of [invited.body.id as string, randomUUID()]) {
      await call(
        'DELETE /api/appointments/{id}/invites/{inviteId}',
        t.api.request('DELETE', `${invites}/${inviteId}`, undefined, as(visit.clinician)),
      );
    }

    expect(operations.map((o) => o.name).filter((name) => !seen.has(name))).toEqual([]);
  });

  it('says where a version is needed: PATCH takes If-Match, cancel and no-show do not', () => {
    const ifMatch = (path: string, method: string) =>
      doc.paths[path][method].parameters?.some((p) => p.in === 'header' && p.name === 'If-Match');
    expect(ifMatch('/api/appointments/{id}', 'patch')).toBe(true);
    for (const path of ['/api/appointments/{id}/cancel', '/api/appointments/{id}/no-show']) {
      expect(ifMatch(path, 'post')).toBeFalsy();
      expect(doc.paths[path].post.description).toMatch(/If-Match is not needed and is ignored/);
    }
    const reason = doc.components.schemas.UpdateAppointmentDto.properties?.reason;
    expect(reason).toMatchObject({ type: 'string', nullable: true });
  });
});
