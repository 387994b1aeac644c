import { createHmac } from 'node:crypto';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect, expectAck, makeVisit } from '../support/visits';

const TURN = 'turn:127.0.0.1:3478';
const STUN = 'stun:127.0.0.1:3478';
const SECRET = 's3cret';
/** Short, so the refresh (pushed half a margin before expiry) comes within seconds. */
const MARGIN_SECONDS = 4;

interface IceServer {
  urls: string[];
  username?: string;
  credential?: string;
}

/** The TURN entry, checked against the TURN REST API scheme coturn's use-auth-secret expects. */
function turnEntry(iceServers: IceServer[], userId: string): { expiry: number } {
  expect(iceServers).toHaveLength(2);
  expect(iceServers[0]).toEqual({ urls: [STUN] });
  const turn = iceServers[1];
  expect(turn).toEqual({
    urls: [TURN],
    username: expect.stringMatching(new RegExp(`^\\d+:${userId}$`)),
    credential: expect.any(String),
  });
  const username = turn.username as string;
  expect(turn.credential).toBe(createHmac('sha1', SECRET).update(username).digest('base64'));
  return { expiry: Number(username.split(':')[0]) };
}

describe('signaling ICE servers (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp({
      TURN_URLS: TURN,
      TURN_SECRET: SECRET,
      STUN_URLS: STUN,
      TURN_CREDENTIAL_MARGIN_SECONDS: String(MARGIN_SECONDS),
    });
  });
  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  it('the join ack carries per-user TURN credentials valid until the visit’s end plus the margin', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const endsAtSeconds = Date.parse(visit.endsAt) / 1000;

    const patient = await connect(t, visit.patient);
    const clinician = await connect(t, visit.clinician);
    const patientAck = await expectAck(patient.request('session.join', { appointmentId }));
    const clinicianAck = await expectAck(clinician.request('session.join', { appointmentId }));

    const forPatient = turnEntry(patientAck.iceServers, visit.patient.id);
    const forClinician = turnEntry(clinicianAck.iceServers, visit.clinician.id);
    expect(forPatient.expiry).toBeGreaterThan(endsAtSeconds);
    expect(forPatient.expiry).toBe(endsAtSeconds + MARGIN_SECONDS);
    expect(forClinician.expiry).toBe(endsAtSeconds + MARGIN_SECONDS);
    // Each user has their own credentials.
    expect(patientAck.iceServers[1].credential).not.toBe(clinicianAck.iceServers[1].credential);
  });

  it(
    'a visit running to its end gets fresh credentials pushed as session.ice-servers',
    async () => {
      const now = Date.now();
      const visit = await makeVisit(t, {
        row: {
          startsAt: new Date(now - 20 * 60_000),
          endsAt: new Date(now + 2_000),
          status: 'in_progress',
        },
      });
      const { appointmentId } = visit;
      const patient = await connect(t, visit.patient);
      const ack = await expectAck(patient.request('session.join', { appointmentId }));
      // Already in progress: no waiting room.
      expect(ack.state).toBe('admitted');
      const first = turnEntry(ack.iceServers, visit.patient.id);
      expect(first.expiry).toBeGreaterThanOrEqual(
        Math.floor((now + 2_000) / 1000) + MARGIN_SECONDS,
      );

      // Pushed before the held ones expire: within half the margin of the visit's end.
      const pushed = await patient.next('session.ice-servers', (MARGIN_SECONDS + 15) * 1000);
      const receivedAt = Date.now() / 1000;
      expect(pushed).toEqual({
        event: 'session.ice-servers',
        data: { appointmentId, iceServers: expect.any(Array) },
      });
      const fresh = turnEntry(pushed.data.iceServers, visit.patient.id);
      expect(receivedAt).toBeLessThan(first.expiry);
      expect(fresh.expiry).toBeGreaterThan(first.expiry);
      expect(fresh.expiry).toBeGreaterThan(receivedAt);
    },
    (MARGIN_SECONDS + 30) * 1000,
  );
});
