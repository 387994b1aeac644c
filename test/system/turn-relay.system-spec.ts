/// <reference lib="dom" />
import { startCoturn, RunningTurn } from './support/coturn';
import {
  CallPeer,
  closePeers,
  nextMessage,
  openCallPeer,
  reachState,
  whenOpen,
} from '../support/call-peers';
import { startTestApp, TestApp } from '../support/test-app';
import { makeVisit } from '../support/visits';

/**
 * A call forced through a real TURN relay (Debian's coturn on loopback, `use-auth-secret`),
 * using nothing but the ephemeral credentials from the join ack.
 */
describe('a call through a real TURN relay (system)', () => {
  let turn: RunningTurn;
  let t: TestApp;
  const open: CallPeer[] = [];

  beforeAll(async () => {
    turn = await startCoturn();
    t = await startTestApp({ TURN_URLS: turn.url, TURN_SECRET: turn.secret });
  });
  afterAll(async () => {
    await closePeers(...open);
    await t?.close();
    await turn?.stop();
  });

  it('connects relay-only with the join ack’s credentials and carries data', async () => {
    const visit = await makeVisit(t);
    const options = { dataChannel: 'chat', iceTransportPolicy: 'relay' as const };
    const clinician = await openCallPeer(t.baseUrl, visit.clinician, visit.appointmentId, options);
    const patient = await openCallPeer(t.baseUrl, visit.patient, visit.appointmentId, options);
    open.push(clinician, patient);
    const channel = new Promise<RTCDataChannel>((resolve) =>
      patient.call.once('datachannel', resolve),
    );
    const ownChannel = new Promise<RTCDataChannel>((resolve) =>
      clinician.call.once('datachannel', resolve),
    );

    const waiting = new Promise((resolve) => clinician.call.once('waiting', resolve));
    const ack = await clinician.call.join();
    expect(ack.iceServers).toEqual([
      {
        urls: [turn.url],
        username: expect.stringMatching(/^\d+:/),
        credential: expect.any(String),
      },
    ]);
    await patient.call.join();
    await waiting;
    const admittedAt = performance.now();
    await clinician.call.admit();
    await Promise.all([
      reachState(clinician.call, 'connected', 60_000),
      reachState(patient.call, 'connected', 60_000),
    ]);
    process.stdout.write(
      `admit → connected (relay only): ${(performance.now() - admittedAt).toFixed(0)} ms\n`,
    );

    // The pair in use: its local candidate must be a relay one. The stats may name the
    // nominated pair a moment after the connection reports `connected`.
    const stats = new Map<string, Record<string, unknown>>();
    let pair: Record<string, unknown> | undefined;
    for (let attempt = 0; attempt < 50 && !pair; attempt++) {
      if (attempt > 0) {
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      stats.clear();
      (await clinician.call.pc!.getStats()).forEach((s: Record<string, unknown>) =>
        stats.set(String(s.id), s),
      );
      pair = [...stats.values()].find(
        (s) => s.type === 'candidate-pair' && s.state === 'succeeded' && s.nominated === true,
      );
    }
    expect(pair).toBeDefined();
    expect(stats.get(String(pair!.localCandidateId))).toMatchObject({ candidateType: 'relay' });

    const [received, sent] = await Promise.all([channel, ownChannel]);
    await Promise.all([whenOpen(received), whenOpen(sent)]);
    const message = nextMessage(received);
    sent.send('through the relay');
    await expect(message).resolves.toBe('through the relay');
  });

  it('a wrong TURN secret cannot relay: the call never connects', async () => {
    const wrong = await startTestApp({ TURN_URLS: turn.url, TURN_SECRET: 'not-the-secret' });
    try {
      const visit = await makeVisit(wrong);
      const options = { dataChannel: 'chat', iceTransportPolicy: 'relay' as const };
      const clinician = await openCallPeer(
        wrong.baseUrl,
        visit.clinician,
        visit.appointmentId,
        options,
      );
      const patient = await openCallPeer(
        wrong.baseUrl,
        visit.patient,
        visit.appointmentId,
        options,
      );
      open.push(clinician, patient);
      const waiting = new Promise((resolve) => clinician.call.once('waiting', resolve));
      await clinician.call.join();
      await patient.call.join();
      await waiting;
      await clinician.call.admit();
      await expect(reachState(patient.call, 'connected', 8_000)).rejects.toThrow('never connected');
    } finally {
      await wrong.close();
    }
  });
});
