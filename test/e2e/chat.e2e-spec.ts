import { randomUUID } from 'node:crypto';
import { WebSocket } from 'ws';
import { TelevisitSocket } from '../../client/televisit-socket';
import type { ChatMessage } from '../../client/protocol';
import { makePatient, TestUser } from '../support/factories';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { adminOf, connect, expectAck, inCall, makeVisit, TestVisit } from '../support/visits';

const GRACE_SECONDS = 5;

describe('chat in a visit (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({ VISIT_RESUME_GRACE_SECONDS: String(GRACE_SECONDS) });
  });

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await t?.close();
  });

  const say = (socket: SignalingClient, appointmentId: string, text: string, id = randomUUID()) =>
    socket.request('chat.send', { appointmentId, clientMessageId: id, text });

  const texts = (items: { text: string }[]) => items.map((m) => m.text);

  async function historyOf(socket: SignalingClient, appointmentId: string, after?: number) {
    const ack = await expectAck(socket.request('chat.history', { appointmentId, after }));
    return ack.items as { seq: number; text: string; from: string }[];
  }

  it('a waiting patient and the clinician chat before admit; each message reaches both, in order', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const patient = await connect(t, visit.patient);
    const clinician = await connect(t, visit.clinician);
    await expectAck(patient.request('session.join', { appointmentId }));
    await expectAck(clinician.request('session.join', { appointmentId }));
    await clinician.next('session.waiting');

    const late = await expectAck(say(clinician, appointmentId, 'Running five minutes late'));
    expect(late).toEqual({
      id: expect.any(String), // the frame's
      messageId: expect.any(String),
      seq: 1,
      sentAt: expect.any(String),
    });
    const heard = await patient.next('chat.message');
    expect(heard.data).toEqual({
      appointmentId,
      id: late.messageId,
      seq: 1,
      from: visit.clinician.id,
      role: 'clinician',
      displayName: visit.clinician.displayName,
      text: 'Running five minutes late',
      sentAt: late.sentAt,
    });
    await expectAck(say(patient, appointmentId, 'No problem 🙂'));
    await expectAck(say(clinician, appointmentId, 'Thanks'));
    await clinician.next((f) => f.event === 'chat.message' && f.data.seq === 3);
    await patient.next((f) => f.event === 'chat.message' && f.data.seq === 3);

    for (const socket of [patient, clinician]) {
      expect(socket.received('chat.message').map((f) => f.data.seq)).toEqual([1, 2, 3]);
    }
    expect(texts(await historyOf(patient, appointmentId))).toEqual([
      'Running five minutes late',
      'No problem 🙂',
      'Thanks',
    ]);
  });

  it('a resent clientMessageId answers the first message and sends nothing twice', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, clinician } = await inCall(t, visit);
    const id = randomUUID();

    const first = await expectAck(say(patient, appointmentId, 'Can you hear me?', id));
    const again = await expectAck(say(patient, appointmentId, 'Can you hear me?', id));
    await clinician.next('chat.message');
    await clinician.sync();

    expect({ ...again, id: undefined }).toEqual({ ...first, id: undefined });
    expect(clinician.received('chat.message')).toHaveLength(1);
    expect(await historyOf(clinician, appointmentId)).toHaveLength(1);
    // The same client id from the other sender is another message.
    const theirs = await expectAck(say(clinician, appointmentId, 'Yes', id));
    expect(theirs.seq).toBe(2);
  });

  it('a participant whose socket dropped catches up with chat.history after resuming', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, clinician } = await inCall(t, visit);
    await expectAck(say(clinician, appointmentId, 'one'));
    await patient.next('chat.message');

    patient.drop();
    await clinician.next('session.peer-reconnecting');
    await expectAck(say(clinician, appointmentId, 'two'));
    await expectAck(say(clinician, appointmentId, 'three'));
    const back = await connect(t, visit.patient);
    const resumed = await expectAck(back.request('session.join', { appointmentId }));
    expect(resumed.resumed).toBe(true);

    expect(texts(await historyOf(back, appointmentId, 1))).toEqual(['two', 'three']);
    expect(texts(await historyOf(back, appointmentId))).toEqual(['one', 'two', 'three']);
  });

  it('lists the chat over REST for the participants and admins, and to nobody else', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient } = await inCall(t, visit);
    await expectAck(say(patient, appointmentId, 'hello'));
    await expectAck(say(patient, appointmentId, 'again'));
    const admin = await adminOf(t);
    const stranger = await makePatient(t.api, 'Stranger');

    for (const token of [visit.patient.token, visit.clinician.token, admin.token]) {
      const res = await t.api.get(`/api/appointments/${appointmentId}/messages`, { token });
      expect(res.status).toBe(200);
      expect(texts(res.body.items)).toEqual(['hello', 'again']);
    }
    const after = await t.api.get(`/api/appointments/${appointmentId}/messages?after=1`, {
      token: visit.clinician.token,
    });
    expect(texts(after.body.items)).toEqual(['again']);
    const hidden = await t.api.get(`/api/appointments/${appointmentId}/messages`, {
      token: stranger.token,
    });
    expect(hidden.status).toBe(404);
    expect(hidden.body.code).toBe('APPOINTMENT_NOT_FOUND');
    expect(hidden.body).not.toHaveProperty('items');
    const bad = await t.api.get(`/api/appointments/${appointmentId}/messages?after=x`, {
      token: visit.patient.token,
    });
    expect(bad.status).toBe(400);
    expect((await t.api.get(`/api/appointments/${appointmentId}/messages`)).status).toBe(401);
  });

  it('nobody outside the visit reads or writes its chat over the socket', async () => {
    const visit: TestVisit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, clinician } = await inCall(t, visit);
    await expectAck(say(patient, appointmentId, 'private'));
    const stranger = await connect(t, await makePatient(t.api, 'Stranger'));

    const read = await stranger.request('chat.history', { appointmentId });
    expect(read).toMatchObject({ event: 'error', data: { code: 'APPOINTMENT_NOT_FOUND' } });
    const write = await say(stranger, appointmentId, 'let me in');
    expect(write).toMatchObject({ event: 'error', data: { code: 'NOT_IN_VISIT' } });
    // A participant's own second socket that has not joined may not write either.
    const other = await connect(t, visit.patient);
    const unseated = await say(other, appointmentId, 'from the other tab');
    expect(unseated).toMatchObject({ event: 'error', data: { code: 'NOT_IN_VISIT' } });

    await clinician.sync();
    await stranger.sync();
    expect(stranger.received('chat.message')).toEqual([]);
    expect(texts(await historyOf(clinician, appointmentId))).toEqual(['private']);
  });

  it('refuses an empty, blank or over-long text and an unknown field, and stores nothing', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient } = await inCall(t, visit);

    for (const text of ['', '   \n', 'x'.repeat(2001), 42]) {
      const answer = await patient.request('chat.send', {
        appointmentId,
        clientMessageId: randomUUID(),
        text,
      });
      expect(answer).toMatchObject({ event: 'error', data: { code: 'VALIDATION_FAILED' } });
    }
    const extra = await patient.request('chat.send', {
      appointmentId,
      clientMessageId: 'a',
      text: 'hi',
      from: 'someone else',
    });
    expect(extra).toMatchObject({ event: 'error', data: { code: 'VALIDATION_FAILED' } });
    // 2000 characters, each outside the Basic Multilingual Plane, is within bounds.
    await expectAck(say(patient, appointmentId, '🙂'.repeat(2000)));
    expect(await historyOf(patient, appointmentId)).toHaveLength(1);
  });

  it('bounds the rate: a flood is refused with CHAT_RATE_LIMITED', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient } = await inCall(t, visit);

    const answers = await Promise.all(
      Array.from({ length: 25 }, (_, n) => say(patient, appointmentId, `m${n}`)),
    );

    const refusedCodes = answers.filter((a) => a.event === 'error').map((a) => a.data.code);
    expect(answers.filter((a) => a.event === 'ack')).toHaveLength(20);
    expect(refusedCodes).toEqual(Array(5).fill('CHAT_RATE_LIMITED'));
    expect(await historyOf(patient, appointmentId)).toHaveLength(20);
  });

  it('the reference client chats: sendChat, the chat.message event, a resend that posts once, chatHistory', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const open = async (user: TestUser) => {
      const socket = new TelevisitSocket({
        url: `${t.baseUrl.replace(/^http/, 'ws')}/ws`,
        token: () => user.token,
        tokenIn: 'header',
        WebSocket,
        reconnect: false,
      });
      await socket.connect();
      await socket.request('session.join', { appointmentId });
      return socket;
    };
    const patient = await open(visit.patient);
    const clinician = await open(visit.clinician);
    try {
      const heard = new Promise<ChatMessage>((resolve) => clinician.on('chat.message', resolve));

      const sent = await patient.sendChat(appointmentId, 'Is the camera on?', 'msg-1');
      const again = await patient.sendChat(appointmentId, 'Is the camera on?', 'msg-1');

      expect(again).toEqual(sent);
      expect(await heard).toMatchObject({ id: sent.messageId, seq: 1, text: 'Is the camera on?' });
      expect(await clinician.chatHistory(appointmentId)).toEqual([await heard]);
      expect(await clinician.chatHistory(appointmentId, 1)).toEqual([]);
    } finally {
      patient.close();
      clinician.close();
    }
  });
});
