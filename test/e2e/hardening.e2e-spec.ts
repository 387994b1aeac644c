import { connect as tcpConnect } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { Api } from '../support/api';
import { loginAdmin, makePatient, PASSWORD } from '../support/factories';
import { SignalingClient, sleep } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect, expectAck, makeVisit } from '../support/visits';

interface LogLine {
  level: number;
  msg: string;
  err?: { stack?: string };
  stack?: string;
}

/** The app as startTestApp builds it, logging at warn into `lines` instead of stdout. */
async function startLoggingApp(
  lines: LogLine[],
): Promise<{ app: NestExpressApplication; baseUrl: string }> {
  const config = loadConfig({
    ...process.env,
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    SCHEDULER_POLL_INTERVAL_MS: '0',
  });
  const app = await createApp(
    { ...config, databaseUrl: config.databaseUrl as string },
    { logDestination: { write: (line: string) => lines.push(JSON.parse(line) as LogLine) } },
  );
  await app.listen(0, '127.0.0.1');
  return { app, baseUrl: (await app.getUrl()).replace('[::1]', '127.0.0.1') };
}

/** Sends headers announcing `announced` bytes and part of a body, then closes the connection. */
function abortUpload(baseUrl: string, announced: number): Promise<void> {
  const { port } = new URL(baseUrl);
  return new Promise((resolve) => {
    const socket = tcpConnect(Number(port), '127.0.0.1', () => {
      socket.write(
        'POST /api/auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n' +
          `Content-Length: ${announced}\r\n\r\n{"email":"a@example.test","pass`,
      );
      setTimeout(() => socket.destroy(), 50);
    });
    socket.on('close', () => resolve());
    socket.on('error', () => resolve());
  });
}

/** Attacks and races found in review, each once a way to hurt the service. */
describe('hardening (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      LOGIN_MAX_FAILURES_PER_ACCOUNT: '3',
      VISIT_RESUME_GRACE_SECONDS: '1',
    });
  });
  afterEach(() => SignalingClient.closeAll());
  afterAll(() => t.close());

  it('an upgrade request whose target is not a path is dropped, and the server lives on', async () => {
    const { port } = new URL(t.baseUrl);
    await new Promise<void>((resolve) => {
      const socket = tcpConnect(Number(port), '127.0.0.1', () => {
        socket.write(
          'GET http://[/ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n' +
            'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
        );
      });
      socket.on('close', () => resolve());
      socket.on('error', () => resolve());
      socket.setTimeout(3000, () => socket.destroy());
    });
    const health = await t.api.get('/health/live');
    expect(health.status).toBe(200);
  });

  it('aborted uploads are neither a 500 nor an error in the log', async () => {
    const lines: LogLine[] = [];
    const logging = await startLoggingApp(lines);
    try {
      await Promise.all(Array.from({ length: 20 }, () => abortUpload(logging.baseUrl, 10_000)));
      // Each aborted request is logged once, when the server sees the connection gone.
      for (let waited = 0; lines.length < 20 && waited < 5000; waited += 50) {
        await sleep(50);
      }
      await sleep(200);
      expect(lines.filter((line) => line.level >= 50)).toEqual([]);
      expect(lines.filter((line) => line.err !== undefined || line.stack !== undefined)).toEqual(
        [],
      );
      expect(lines.map((line) => line.msg)).toEqual(Array(20).fill('request aborted'));
      const health = await new Api(logging.baseUrl).get('/health/live');
      expect(health.status).toBe(200);
    } finally {
      await logging.app.close();
    }
  });

  it('parallel guesses at one account cannot all get past the failure limit', async () => {
    const patient = await makePatient(t.api);
    const attempts = await Promise.all(
      Array.from({ length: 20 }, () =>
        t.api.post('/api/auth/login', { email: patient.email, password: 'wrong-guess-1' }),
      ),
    );
    const checked = attempts.filter((r) => r.body.code === 'INVALID_CREDENTIALS');
    const refused = attempts.filter((r) => r.body.code === 'TOO_MANY_LOGIN_ATTEMPTS');
    expect(checked.length).toBeLessThanOrEqual(3);
    expect(checked.length + refused.length).toBe(20);
    // Refused attempts are not failures: the account is locked only once three were checked.
    const right = await t.api.post('/api/auth/login', { email: patient.email, password: PASSWORD });
    expect(right.status).toBe(checked.length === 3 ? 429 : 200);
  });

  it('a socket that drops while its join is being looked up never leaves a waiting ghost', async () => {
    const visit = await makeVisit(t);
    const patient = await connect(t, visit.patient);
    patient.send('session.join', { appointmentId: visit.appointmentId }, 'j1');
    patient.drop();
    await sleep(1500);

    const clinician = await connect(t, visit.clinician);
    const ack = await expectAck(
      clinician.request('session.join', { appointmentId: visit.appointmentId }),
    );
    expect(ack.participants.map((p: { role: string }) => p.role)).toEqual(['clinician']);
    await clinician.sync();
    expect(clinician.received('session.waiting')).toEqual([]);
  });

  describe('response headers', () => {
    it('the web app cannot be framed or sniffed, and the old demo address leads to it', async () => {
      // Headers every page gets; the redirect needs no built web app (npm run build makes it).
      const res = await fetch(`${t.baseUrl}/demo/`, { redirect: 'manual' });
      expect(res.status).toBe(301);
      expect(res.headers.get('location')).toBe('/app/');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).toContain("default-src 'self'");
      expect(csp).toContain("script-src 'self'");
      // Served over plain http: no HSTS and no upgrade, which would break such a deployment.
      expect(res.headers.get('strict-transport-security')).toBeNull();
      expect(csp).not.toContain('upgrade-insecure-requests');
    });

    it('no answer carrying tokens, clinical or health data may be stored', async () => {
      const patient = await makePatient(t.api);
      const admin = await loginAdmin(t);
      const answers = {
        register: await t.api.post('/api/auth/register', {
          email: `h-${Date.now()}@example.test`,
          password: PASSWORD,
          displayName: 'Hal',
        }),
        login: await t.api.post('/api/auth/login', { email: patient.email, password: PASSWORD }),
        refresh: await t.api.post('/api/auth/refresh', { refreshToken: patient.refreshToken }),
        me: await t.api.get('/api/users/me', { token: patient.token }),
        appointments: await t.api.get('/api/appointments', { token: patient.token }),
        notifications: await t.api.get('/api/notifications', { token: patient.token }),
        audit: await t.api.get('/api/audit', { token: admin.token }),
        refused: await t.api.get('/api/users/me'),
        ready: await t.api.get('/health/ready'),
      };
      const seen = Object.fromEntries(
        Object.entries(answers).map(([name, res]) => [
          name,
          { status: res.status < 400 ? 'ok' : res.status, cache: res.headers.get('cache-control') },
        ]),
      );
      expect(seen).toEqual(
        Object.fromEntries(
          Object.keys(answers).map((name) => [
            name,
            { status: name === 'refused' ? 401 : 'ok', cache: 'no-store' },
          ]),
        ),
      );
    });

    it('the API documentation, public and the same for all, may be cached', async () => {
      for (const path of ['/api/docs', '/api/docs-json']) {
        const res = await t.api.get(path);
        expect(res.status).toBe(200);
        expect(res.headers.get('cache-control')).not.toBe('no-store');
        expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      }
    });

    it('HSTS and upgrade-insecure-requests only when PUBLIC_URL is https', async () => {
      const https = await startTestApp({ PUBLIC_URL: 'https://televisit.example' });
      try {
        const res = await fetch(`${https.baseUrl}/app/`, { redirect: 'manual' });
        expect(res.headers.get('strict-transport-security')).toBe('max-age=31536000');
        expect(res.headers.get('content-security-policy')).toContain('upgrade-insecure-requests');
      } finally {
        await https.close();
      }
    });
  });
});
