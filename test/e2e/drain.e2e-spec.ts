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

describe('Ctrl-C on npm start with the embedded PostgreSQL', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'televisit-ctrl-c-'));
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('stops the service first and then its database: exit 0, no warning, and the next start finds nothing to release', async () => {
    const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) };
    const first = await startInstance('ctrl-c', undefined, env, { ownProcessGroup: true });
    const patient = await makePatient(first.api);
    const socket = await SignalingClient.open(first.baseUrl, { token: patient.token });
    const closed = socket.closedWithin();

    // What a terminal does on Ctrl-C: SIGINT to every process of the foreground group.
    process.kill(-first.process.pid!, 'SIGINT');

    await expect(closed).resolves.toMatchObject({ code: 1012 });
    await expect(first.exited).resolves.toEqual({ code: 0, signal: null });
    expect(first.warnings()).toEqual([]);
    expect(first.output()).toBe('');

    const second = await startInstance('after-ctrl-c', undefined, env, { ownProcessGroup: true });
    try {
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      expect(second.warnings()).toEqual([]);
    } finally {
      await second.close();
    }
  }, 180_000);

  it('says why when a second npm start finds the embedded PostgreSQL already running', async () => {
    const env = { DATA_DIR: dataDir, EMBEDDED_POSTGRES_PORT: String(await freePort()) };
    const first = await startInstance('first', undefined, env);
    try {
      const second = startInstance('second', undefined, { ...env, PORT: '0' });
      await expect(second).rejects.toThrow(/Another server already uses .*npm start/s);
      await expect(second).rejects.not.toThrow(/undefined/);
    } finally {
      await first.close();
    }
  }, 180_000);
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
