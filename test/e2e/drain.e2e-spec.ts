import { mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beginDrain, finishDrain } from '../../src/health/drain';
import { makePatient, PASSWORD } from '../support/factories';
import { freePort } from '../support/free-port';
import { startInstance } from '../support/instances';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';

/** What SIGTERM runs (src/main.ts): drain, then close. */
describe('graceful drain (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(() => SignalingClient.closeAll());

  it('stops being ready, refuses new sockets, closes open ones with 1012, finishes requests, then stops', async () => {
    const patient = await makePatient(t.api);
    const socket = await SignalingClient.open(t.baseUrl, { token: patient.token });
    expect((await t.api.get('/health/ready')).status).toBe(200);

    const closed = socket.closedWithin();
    beginDrain(t.app);
    await expect(closed).resolves.toMatchObject({ code: 1012 });
    const ready = await t.api.get('/health/ready');
    expect(ready.status).toBe(503);
    await expect(
      SignalingClient.refusal(t.baseUrl, { token: patient.token }),
    ).resolves.toMatchObject({
      status: 503,
      body: { code: 'SERVER_DRAINING' },
    });

    // A request under way when the listener closes still gets its answer.
    const server = t.app.getHttpServer();
    const arrived = new Promise((resolve) => server.once('request', resolve));
    const inFlight = postJson(`${t.baseUrl}/api/auth/login`, {
      email: patient.email,
      password: PASSWORD,
    });
    await arrived;
    const finished = finishDrain(t.app, 10_000);
    await expect(inFlight).resolves.toBe(200);
    await finished;
    await expect(t.api.get('/health/live')).rejects.toThrow();
  });
});

describe('SIGTERM with the embedded PostgreSQL (npm start on a new machine)', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'televisit-drain-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('drains before the database stops: sockets get 1012, nothing fails, the process exits 0', async () => {
    const instance = await startInstance('embedded', undefined, {
      DATA_DIR: dataDir,
      EMBEDDED_POSTGRES_PORT: String(await freePort()),
    });
    const patient = await makePatient(instance.api);
    const socket = await SignalingClient.open(instance.baseUrl, { token: patient.token });
    const closed = socket.closedWithin();

    instance.process.kill('SIGTERM');

    await expect(closed).resolves.toMatchObject({ code: 1012 });
    await expect(instance.exited).resolves.toEqual({ code: 0, signal: null });
    // The seats and sockets are released on a live database: no warning, no error.
    expect(instance.warnings()).toEqual([]);
    expect(instance.output()).toBe('');
  }, 120_000);
});

/** A POST on a connection of its own (no pooled keep-alive socket the drain could close first). */
function postJson(url: string, body: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: 'POST', agent: false, headers: { 'content-type': 'application/json' } },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      },
    );
    req.on('error', reject);
    req.end(JSON.stringify(body));
  });
}
