import { WebSocket } from 'ws';
import { TelevisitSocket } from '../../client/televisit-socket';
import type { TestUser } from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';
import { makeVisit } from '../support/visits';

/**
 * TelevisitSocket.reconnectNow(), what the web app calls on the browser's offline/online events:
 * the connection is dropped at once and made again without waiting out a backoff, and the visit
 * is taken back, so the other side sees "reconnecting" then "reconnected", not "left".
 */
describe('the reference client reconnects now when told the network changed', () => {
  let t: TestApp;
  const sockets: TelevisitSocket[] = [];

  beforeAll(async () => {
    t = await startTestApp();
  });
  afterAll(async () => {
    sockets.forEach((s) => s.close());
    await t.close();
  });

  function open(user: TestUser, initialDelayMs = 60_000): TelevisitSocket {
    const socket = new TelevisitSocket({
      url: `${t.baseUrl.replace(/^http/, 'ws')}/ws`,
      token: () => user.token,
      tokenIn: 'header',
      WebSocket,
      // A backoff far longer than the test: only reconnectNow can bring the socket back in time.
      reconnect: { initialDelayMs, maxDelayMs: initialDelayMs },
    });
    sockets.push(socket);
    return socket;
  }

  function next<E extends 'reconnected' | 'session.peer-reconnecting' | 'session.peer-reconnected'>(
    socket: TelevisitSocket,
    event: E,
  ) {
    return new Promise<unknown>((resolve) => {
      const off = socket.on(event, (data) => {
        off();
        resolve(data);
      });
    });
  }

  it('drops and reconnects at once, resuming the visit; the other side sees reconnecting, then reconnected', async () => {
    const visit = await makeVisit(t);
    const patient = open(visit.patient);
    const clinician = open(visit.clinician);
    await Promise.all([patient.connect(), clinician.connect()]);
    const ref = { appointmentId: visit.appointmentId };
    await patient.request('session.join', ref);
    await clinician.request('session.join', ref);
    await clinician.request('session.admit', ref);

    const reconnecting = next(clinician, 'session.peer-reconnecting');
    const reconnected = next(clinician, 'session.peer-reconnected');
    const back = next(patient, 'reconnected');
    patient.reconnectNow();
    await expect(reconnecting).resolves.toEqual({ ...ref, userId: visit.patient.id });
    await expect(back).resolves.toEqual({ rejoined: [visit.appointmentId], failed: [] });
    await expect(reconnected).resolves.toEqual({ ...ref, userId: visit.patient.id });
    expect(patient.state).toBe('open');
  });

  it('does nothing before the first connection or after close', () => {
    const socket = new TelevisitSocket({
      url: `${t.baseUrl.replace(/^http/, 'ws')}/ws`,
      token: () => 'unused',
      WebSocket,
    });
    socket.reconnectNow();
    expect(socket.state).toBe('idle');
    socket.close();
    socket.reconnectNow();
    expect(socket.state).toBe('closed');
  });
});
