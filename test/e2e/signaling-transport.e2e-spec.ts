import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import { login, makePatient, TestUser } from '../support/factories';
import { FRAME_TIMEOUT_MS, SignalingClient, sleep } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { claimsOf, expiredCopyOf } from '../support/tokens';
import { adminOf, connect, expectAck, inCall, makeVisit } from '../support/visits';

const ALLOWED_ORIGIN = 'https://app.example.test';
const MAX_SOCKETS = 3;

/** `{"a":{"a":…1…}}`, `levels` objects deep. */
function deepObject(levels: number): string {
  return '{"a":'.repeat(levels) + '1' + '}'.repeat(levels);
}

/** Ids a client may choose: any string of 1 to 128 characters, echoed exactly. */
const ODD_IDS = [
  'req@1',
  'a b/c#7',
  '"quoted"',
  'back\\slash',
  'visite-été-🩺',
  '</script>\u2028{"event":"ack"}',
  'x'.repeat(128),
  // 128 characters, 256 UTF-16 units.
  '🩺'.repeat(128),
];

/** An error frame as the client sees it, with or without the id it answers. */
function errorFrame(code: string, id?: string, details?: unknown) {
  const data: Record<string, unknown> = { code, message: expect.any(String) };
  if (id !== undefined) {
    data.id = id;
  }
  if (details !== undefined) {
    data.details = details;
  }
  return { event: 'error', data };
}

describe('signaling transport (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      WS_ALLOWED_ORIGINS: ALLOWED_ORIGIN,
      WS_MAX_SOCKETS_PER_USER: String(MAX_SOCKETS),
    });
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  const open = (options: Parameters<typeof SignalingClient.open>[1]) =>
    SignalingClient.open(t.baseUrl, options);
  const refusal = (options: Parameters<typeof SignalingClient.refusal>[1]) =>
    SignalingClient.refusal(t.baseUrl, options);

  describe('the upgrade', () => {
    let patient: TestUser;

    beforeAll(async () => {
      patient = await makePatient(t.api);
    });

    it('refuses no token with 401 UNAUTHENTICATED', async () => {
      await expect(refusal({})).resolves.toEqual({
        status: 401,
        body: { statusCode: 401, code: 'UNAUTHENTICATED', message: expect.any(String) },
      });
    });

    it('refuses a garbage token with 401 INVALID_TOKEN, in the header or the query', async () => {
      await expect(refusal({ token: 'not-a-jwt' })).resolves.toMatchObject({
        status: 401,
        body: { code: 'INVALID_TOKEN' },
      });
      await expect(refusal({ query: 'access_token=not-a-jwt' })).resolves.toMatchObject({
        status: 401,
        body: { code: 'INVALID_TOKEN' },
      });
    });

    it('refuses an expired token with 401 TOKEN_EXPIRED', async () => {
      const expired = expiredCopyOf(patient.token);
      await expect(refusal({ token: expired })).resolves.toMatchObject({
        status: 401,
        body: { code: 'TOKEN_EXPIRED' },
      });
    });

    it('refuses a token signed with another key with 401', async () => {
      const forged = sign({ ...claimsOf(patient.token) }, 'x'.repeat(40), { algorithm: 'HS256' });
      await expect(refusal({ token: forged })).resolves.toMatchObject({
        status: 401,
        body: { code: 'INVALID_TOKEN' },
      });
    });

    it('refuses a disabled user with 401, though their token has not expired', async () => {
      const admin = await adminOf(t);
      const victim = await makePatient(t.api);
      const disabled = await t.api.patch(
        `/api/users/${victim.id}`,
        { disabled: true },
        { token: admin.token },
      );
      expect(disabled.status).toBe(200);
      await expect(refusal({ token: victim.token })).resolves.toMatchObject({
        status: 401,
        body: { code: 'SESSION_ENDED' },
      });
    });

    it('accepts the token in the access_token query parameter', async () => {
      const socket = await open({ query: `access_token=${encodeURIComponent(patient.token)}` });
      await expect(socket.sync()).resolves.toBeUndefined();
      await socket.close();
    });

    it('refuses an Origin that is neither allowed nor the service’s own with 403', async () => {
      await expect(
        refusal({ token: patient.token, headers: { origin: 'https://evil.example.test' } }),
      ).resolves.toEqual({
        status: 403,
        body: { statusCode: 403, code: 'ORIGIN_NOT_ALLOWED', message: expect.any(String) },
      });
      await expect(
        refusal({ token: patient.token, headers: { origin: 'not a url' } }),
      ).resolves.toMatchObject({ status: 403, body: { code: 'ORIGIN_NOT_ALLOWED' } });
    });

    it('checks the Origin before the token: a bad Origin is 403 even without one', async () => {
      await expect(
        refusal({ headers: { origin: 'https://evil.example.test' } }),
      ).resolves.toMatchObject({ status: 403 });
    });

    it.each([
      ['an allowed origin', () => ({ origin: ALLOWED_ORIGIN })],
      ['the same origin', () => ({ origin: new URL(t.api.baseUrl).origin })],
      ['no Origin at all (a native app)', () => ({})],
    ])('opens for %s', async (_label, headers) => {
      const socket = await open({ token: patient.token, headers: headers() });
      await expect(socket.sync()).resolves.toBeUndefined();
      await socket.close();
    });

    it(`refuses more than ${MAX_SOCKETS} sockets of one user with 429 TOO_MANY_SOCKETS`, async () => {
      const user = await makePatient(t.api);
      const sockets: SignalingClient[] = [];
      for (let i = 0; i < MAX_SOCKETS; i += 1) {
        sockets.push(await connect(t, user));
      }
      await expect(refusal({ token: user.token })).resolves.toEqual({
        status: 429,
        body: { statusCode: 429, code: 'TOO_MANY_SOCKETS', message: expect.any(String) },
      });
      // The cap is per user: someone else still gets in.
      const other = await connect(t, patient);
      await expect(other.sync()).resolves.toBeUndefined();
      for (const socket of sockets) {
        await expect(socket.sync()).resolves.toBeUndefined();
      }
      await Promise.all([...sockets, other].map((socket) => socket.close()));
    });

    it('holds the cap when many sockets of one user connect at once', async () => {
      const user = await makePatient(t.api);
      const attempts = await Promise.allSettled(
        Array.from({ length: MAX_SOCKETS + 3 }, () => connect(t, user)),
      );
      const opened = attempts.filter((a) => a.status === 'fulfilled');
      const refused = attempts.filter((a) => a.status === 'rejected');
      expect(opened).toHaveLength(MAX_SOCKETS);
      expect(refused.map((a) => (a.reason as { status?: number }).status)).toEqual([429, 429, 429]);
      await Promise.all(opened.map((a) => a.value.close()));
    });
  });

  describe('revoked access', () => {
    it('logout closes that login’s sockets with 4001 and leaves the user’s other login open', async () => {
      const patient = await makePatient(t.api);
      const second = await login(t.api, patient.email);
      const first1 = await connect(t, patient);
      const first2 = await connect(t, patient);
      const other = await open({ token: second.accessToken });

      const res = await t.api.post('/api/auth/logout', { refreshToken: patient.refreshToken });
      expect(res.status).toBe(204);

      await expect(first1.closedWithin()).resolves.toMatchObject({ code: 4001 });
      await expect(first2.closedWithin()).resolves.toMatchObject({ code: 4001 });
      await expect(other.sync()).resolves.toBeUndefined();
      expect(other.isOpen).toBe(true);
      await expect(refusal({ token: patient.token })).resolves.toMatchObject({ status: 401 });
      await other.close();
    });

    it('disabling a user closes all their sockets with 4001', async () => {
      const admin = await adminOf(t);
      const patient = await makePatient(t.api);
      const second = await login(t.api, patient.email);
      const bystander = await makePatient(t.api);
      const a = await connect(t, patient);
      const b = await open({ token: second.accessToken });
      const c = await connect(t, bystander);

      const res = await t.api.patch(
        `/api/users/${patient.id}`,
        { disabled: true },
        { token: admin.token },
      );
      expect(res.status).toBe(200);

      await expect(a.closedWithin()).resolves.toMatchObject({ code: 4001 });
      await expect(b.closedWithin()).resolves.toMatchObject({ code: 4001 });
      await expect(c.sync()).resolves.toBeUndefined();
      await c.close();
    });
  });

  describe('frames', () => {
    let socket: SignalingClient;
    let appointmentId: string;

    beforeAll(async () => {
      const visit = await makeVisit(t);
      appointmentId = visit.appointmentId;
      socket = await connect(t, visit.patient);
    });
    afterAll(() => socket.close());

    const uuid = randomUUID();
    const badFrames: [string, string | Buffer, ReturnType<typeof errorFrame>][] = [
      ['not JSON', '{"event": "session.join"', errorFrame('INVALID_FRAME')],
      ['JSON but not an object', '[1, 2, 3]', errorFrame('INVALID_FRAME')],
      ['JSON null', 'null', errorFrame('INVALID_FRAME')],
      ['no event (valid id echoed)', '{"data": {}, "id": "f1"}', errorFrame('INVALID_FRAME', 'f1')],
      [
        'an empty event',
        '{"event": "", "data": {}, "id": "f2"}',
        errorFrame('INVALID_FRAME', 'f2'),
      ],
      [
        'an id of 129 characters (echoed)',
        JSON.stringify({
          event: 'session.join',
          data: { appointmentId: uuid },
          id: 'i'.repeat(129),
        }),
        errorFrame('INVALID_FRAME', 'i'.repeat(129)),
      ],
      [
        'an empty id (echoed)',
        JSON.stringify({ event: 'session.join', data: { appointmentId: uuid }, id: '' }),
        errorFrame('INVALID_FRAME', ''),
      ],
      [
        'a numeric id (not echoed: it is not a string)',
        JSON.stringify({ event: 'session.join', data: { appointmentId: uuid }, id: 7 }),
        errorFrame('INVALID_FRAME'),
      ],
      [
        'session.join with data nested 10,000 levels',
        `{"event":"session.join","data":{"appointmentId":"${uuid}","extra":${deepObject(10_000)}},"id":"d1"}`,
        errorFrame('VALIDATION_FAILED', 'd1', { fields: { extra: expect.any(Array) } }),
      ],
      [
        'presence.set with a status nested 10,000 levels',
        `{"event":"presence.set","data":{"status":${deepObject(10_000)}},"id":"d2"}`,
        errorFrame('VALIDATION_FAILED', 'd2', { fields: { status: expect.any(Array) } }),
      ],
      [
        'a signal payload nested 5,000 levels',
        `{"event":"signal","data":{"appointmentId":"${uuid}","type":"offer","payload":${deepObject(5000)}},"id":"d3"}`,
        errorFrame('VALIDATION_FAILED', 'd3', { fields: { payload: expect.any(Array) } }),
      ],
      [
        'a frame nested 10,000 levels outside data',
        `{"event":"session.join","data":{"appointmentId":"${uuid}"},"id":"d4","pad":${deepObject(10_000)}}`,
        errorFrame('INVALID_FRAME', 'd4'),
      ],
      [
        'data that is an array',
        JSON.stringify({ event: 'session.join', data: [uuid], id: 'f3' }),
        errorFrame('INVALID_FRAME', 'f3'),
      ],
      [
        'data that is a string',
        JSON.stringify({ event: 'session.join', data: 'x', id: 'f4' }),
        errorFrame('INVALID_FRAME', 'f4'),
      ],
      [
        'an unknown event',
        JSON.stringify({ event: 'session.dance', data: {}, id: 'f5' }),
        errorFrame('UNKNOWN_EVENT', 'f5'),
      ],
      [
        'an appointmentId that is not a uuid',
        JSON.stringify({ event: 'session.join', data: { appointmentId: 'nope' }, id: 'f6' }),
        errorFrame('VALIDATION_FAILED', 'f6', { fields: { appointmentId: expect.any(Array) } }),
      ],
      [
        'no data at all',
        JSON.stringify({ event: 'session.join', id: 'f7' }),
        errorFrame('VALIDATION_FAILED', 'f7', { fields: { appointmentId: expect.any(Array) } }),
      ],
      [
        'a signal type "hello"',
        JSON.stringify({
          event: 'signal',
          data: { appointmentId: uuid, type: 'hello', payload: {} },
          id: 'f8',
        }),
        errorFrame('VALIDATION_FAILED', 'f8', { fields: { type: expect.any(Array) } }),
      ],
      [
        'a signal payload that is not an object',
        JSON.stringify({
          event: 'signal',
          data: { appointmentId: uuid, type: 'offer', payload: 'sdp' },
          id: 'f9',
        }),
        errorFrame('VALIDATION_FAILED', 'f9', { fields: { payload: expect.any(Array) } }),
      ],
      [
        'an unknown extra field',
        JSON.stringify({
          event: 'session.join',
          data: { appointmentId: uuid, extra: 1 },
          id: 'f10',
        }),
        errorFrame('VALIDATION_FAILED', 'f10', { fields: { extra: expect.any(Array) } }),
      ],
      [
        'a binary frame',
        Buffer.from(JSON.stringify({ event: 'session.join', data: { appointmentId: uuid } })),
        errorFrame('INVALID_FRAME'),
      ],
    ];

    it.each(badFrames)(
      '%s: an error frame, the socket stays open and the next request is acked',
      async (_label, payload, expected) => {
        const answer = socket.next('error');
        socket.sendRaw(payload);
        await expect(answer).resolves.toEqual(expected);
        const ack = await expectAck(socket.request('session.join', { appointmentId }));
        expect(ack).toMatchObject({ appointmentId, role: 'patient', state: 'waiting' });
        expect(socket.isOpen).toBe(true);
      },
    );

    it.each(ODD_IDS)('the id %j is echoed exactly, in an ack and in an error', async (id) => {
      const ack = socket.answerTo(id, 3000);
      socket.send('session.join', { appointmentId }, id);
      await expect(ack).resolves.toMatchObject({ event: 'ack', data: { id, state: 'waiting' } });
      const error = socket.answerTo(id, 3000);
      socket.send('session.dance', {}, id);
      await expect(error).resolves.toEqual(errorFrame('UNKNOWN_EVENT', id));
    });

    it('a signal nested 5,000 levels deep in a call is refused, and is not relayed', async () => {
      const visit = await makeVisit(t);
      const { patient, clinician } = await inCall(t, visit);
      const deep = `{"event":"signal","data":{"appointmentId":"${visit.appointmentId}","type":"offer","payload":${deepObject(5000)}},"id":"deep"}`;
      patient.sendRaw(deep);
      await expect(patient.answerTo('deep')).resolves.toEqual(
        errorFrame('VALIDATION_FAILED', 'deep', { fields: { payload: expect.any(Array) } }),
      );
      const payload = { type: 'offer', sdp: 'v=0' };
      await expectAck(
        patient.request('signal', { appointmentId: visit.appointmentId, type: 'offer', payload }),
      );
      await expect(clinician.next('signal')).resolves.toMatchObject({ data: { payload } });
      expect(clinician.received('signal')).toHaveLength(1);
    });

    it('a frame of exactly 64 KiB is read (and answered)', async () => {
      const head = '{"event":"padding","data":{},"id":"big","pad":"';
      const tail = '"}';
      const frame = head + 'a'.repeat(64 * 1024 - head.length - tail.length) + tail;
      expect(Buffer.byteLength(frame)).toBe(64 * 1024);
      socket.sendRaw(frame);
      await expect(socket.answerTo('big')).resolves.toEqual(errorFrame('UNKNOWN_EVENT', 'big'));
      expect(socket.isOpen).toBe(true);
    });

    it('a frame over 64 KiB closes the socket with 1009', async () => {
      const visit = await makeVisit(t);
      const big = await connect(t, visit.patient);
      big.sendRaw(
        JSON.stringify({ event: 'signal', data: { pad: 'a'.repeat(64 * 1024) }, id: 'huge' }),
      );
      await expect(big.closedWithin()).resolves.toMatchObject({ code: 1009 });
      expect(big.received('ack')).toEqual([]);
      // The server lives on: the same user connects again and is answered.
      const again = await connect(t, visit.patient);
      await expect(
        expectAck(again.request('session.join', { appointmentId: visit.appointmentId })),
      ).resolves.toMatchObject({ state: 'waiting' });
      await again.close();
    });
  });
});

describe('signaling rate limit (e2e)', () => {
  let t: TestApp;
  let patient: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ WS_MAX_FRAMES_PER_SECOND: '5', WS_BURST: '10' });
    patient = await makePatient(t.api);
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  it('a burst of 20 frames: some are refused with RATE_LIMITED, each answering its frame’s id, and the socket stays open', async () => {
    const socket = await connect(t, patient);
    const ids = Array.from({ length: 20 }, () => socket.newId());
    const answers = ids.map((id) => socket.answerTo(id));
    for (const id of ids) {
      socket.send('session.leave', { appointmentId: randomUUID() }, id);
    }
    const codes = (await Promise.all(answers)).map((frame) => {
      expect(frame.event).toBe('error');
      return frame.data.code as string;
    });
    const limited = codes.filter((code) => code === 'RATE_LIMITED').length;
    // The bucket holds 10: at least those are served; the rest of the burst (bar a refill) is not.
    expect(codes.filter((code) => code === 'NOT_IN_VISIT').length).toBeGreaterThanOrEqual(10);
    expect(limited).toBeGreaterThanOrEqual(1);
    expect(limited + codes.filter((code) => code === 'NOT_IN_VISIT').length).toBe(20);
    expect(socket.received('error').filter((f) => f.data.code === 'RATE_LIMITED')).toHaveLength(
      limited,
    );

    // Slowing down is enough: a second refills 5 frames.
    await sleep(1_000);
    expect(socket.isOpen).toBe(true);
    await expect(socket.sync()).resolves.toBeUndefined();
    await socket.close();
  });

  it('a flood far beyond the burst closes the socket with 1008', async () => {
    const socket = await connect(t, patient);
    for (let i = 0; i < 200; i += 1) {
      socket.send('session.leave', { appointmentId: randomUUID() }, `flood${i}`);
    }
    await expect(socket.closedWithin()).resolves.toMatchObject({ code: 1008 });
    // Served until the bucket ran dry, then refused, then cut off: never all 200 answered.
    expect(socket.received('error').length).toBeLessThan(200);
    expect(socket.received('error').some((f) => f.data.code === 'RATE_LIMITED')).toBe(true);
  });

  it('the limit is per user: a second socket draws on the same budget, and only the flooding one is cut off', async () => {
    const user = await makePatient(t.api);
    const first = await connect(t, user);
    const second = await connect(t, user);
    const codesOf = async (socket: SignalingClient) => {
      const ids = Array.from({ length: 10 }, () => socket.newId());
      const answers = ids.map((id) => socket.answerTo(id));
      ids.forEach((id) => socket.send('session.leave', { appointmentId: randomUUID() }, id));
      return (await Promise.all(answers)).map((frame) => frame.data.code as string);
    };
    // The first socket spends the whole burst of 10…
    expect(await codesOf(first)).toEqual(Array(10).fill('NOT_IN_VISIT'));
    // …so the second, though it sent nothing before, is mostly refused.
    expect(
      (await codesOf(second)).filter((code) => code === 'RATE_LIMITED').length,
    ).toBeGreaterThan(0);

    for (let i = 0; i < 200; i += 1) {
      first.send('session.leave', { appointmentId: randomUUID() });
    }
    await expect(first.closedWithin()).resolves.toMatchObject({ code: 1008 });
    await sleep(1_000);
    expect(second.isOpen).toBe(true);
    await expect(second.sync()).resolves.toBeUndefined();
    await second.close();
  });
});

describe('signaling heartbeat (e2e)', () => {
  let t: TestApp;
  let patient: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ WS_PING_INTERVAL_MS: '200', WS_PONG_TIMEOUT_MS: '1000' });
    patient = await makePatient(t.api);
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  it('a client that answers pings stays open', async () => {
    const socket = await connect(t, patient);
    await sleep(2_000);
    expect(socket.pings).toBeGreaterThanOrEqual(2);
    expect(socket.isOpen).toBe(true);
    await expect(socket.sync()).resolves.toBeUndefined();
    await socket.close();
  });

  it('a client that does not answer pings is terminated', async () => {
    const silent = await SignalingClient.open(t.baseUrl, {
      token: patient.token,
      autoPong: false,
    });
    // Terminated without a close frame: the client sees an abnormal closure.
    await expect(silent.closedWithin(FRAME_TIMEOUT_MS)).resolves.toMatchObject({ code: 1006 });
    expect(silent.pings).toBeGreaterThanOrEqual(1);
  });
});

describe('signaling heartbeat with a pong timeout longer than the ping interval (e2e)', () => {
  let t: TestApp;
  let patient: TestUser;

  beforeAll(async () => {
    t = await startTestApp({ WS_PING_INTERVAL_MS: '150', WS_PONG_TIMEOUT_MS: '400' });
    patient = await makePatient(t.api);
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  it('a client that answers every ping within the timeout, if slowly, stays open', async () => {
    const slow = await SignalingClient.open(t.baseUrl, { token: patient.token, autoPong: false });
    let pongs = 0;
    slow.ws.on('ping', () => {
      setTimeout(() => {
        pongs += 1;
        slow.ws.pong();
      }, 200);
    });
    await sleep(2_000);
    expect(pongs).toBeGreaterThanOrEqual(2);
    expect(slow.isOpen).toBe(true);
    await expect(slow.sync()).resolves.toBeUndefined();
    await slow.close();
  });

  it('a client that does not answer pings is still terminated', async () => {
    const silent = await SignalingClient.open(t.baseUrl, {
      token: patient.token,
      autoPong: false,
    });
    await expect(silent.closedWithin(FRAME_TIMEOUT_MS)).resolves.toMatchObject({ code: 1006 });
  });
});
