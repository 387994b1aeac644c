import { connect as tcpConnect } from 'node:net';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { createApp } from '../../src/app.factory';
import { loadConfig } from '../../src/config/load-config';
import { Api } from '../support/api';
import { makePatient, PASSWORD } from '../support/factories';
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
});
