import { OwnPostgres } from '../support/own-postgres';
import { SignalingClient } from '../support/signaling-client';
import { startInstance, Instance } from '../support/instances';
import { expectAck, inCall, makeVisit } from '../support/visits';

/**
 * Scaled down ten times from the defaults (10 s beats, 30 s to be declared dead, a 60 s
 * failover): the outage lasts three times the dead-instance timeout.
 */
const SCALED = {
  INSTANCE_HEARTBEAT_MS: '1000',
  INSTANCE_DEAD_AFTER_MS: '3000',
  DB_STATEMENT_TIMEOUT_MS: '1000',
  DB_POOL_ACQUIRE_TIMEOUT_MS: '1000',
};
const OUTAGE_MS = 9_000;
/** Long enough after the outage for every instance to have judged the others several times. */
const AFTERWARDS_MS = 6_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('a database outage every instance lived through (e2e)', () => {
  let db: OwnPostgres;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    db = await OwnPostgres.start();
    [a, b] = await Promise.all([
      startInstance('a', db.env, SCALED),
      startInstance('b', db.env, SCALED),
    ]);
  }, 120_000);

  afterAll(async () => {
    await SignalingClient.closeAll();
    await Promise.all([a?.close(), b?.close()]);
    await db?.close();
  });

  it('declares no instance dead and closes no socket: the visits go on', async () => {
    const visit = await makeVisit(a);
    const { patient, clinician } = await inCall(a, visit, b);
    const { appointmentId } = visit;

    await db.stopHard();
    await sleep(OUTAGE_MS);
    await db.restart();
    await sleep(AFTERWARDS_MS);

    expect(patient.isOpen).toBe(true);
    expect(clinician.isOpen).toBe(true);
    const seen = [...patient.frames, ...clinician.frames].map((frame) => frame.event);
    expect(seen).not.toContain('session.peer-left');
    expect(seen).not.toContain('session.peer-reconnecting');
    // The call still relays, across the two instances, both ways.
    await expectAck(
      patient.request('signal', { appointmentId, type: 'offer', payload: { sdp: 'v=0 after' } }),
    );
    await expect(clinician.next('signal')).resolves.toMatchObject({
      data: { from: visit.patient.id, type: 'offer' },
    });
    await expectAck(
      clinician.request('signal', { appointmentId, type: 'answer', payload: { sdp: 'v=0 back' } }),
    );
    await expect(patient.next('signal')).resolves.toMatchObject({
      data: { from: visit.clinician.id, type: 'answer' },
    });
    const warnings = [...a.warnings(), ...b.warnings()];
    expect(warnings).not.toContain('Instances stopped beating; releasing their users');
    expect(warnings).not.toContain('This instance was declared dead by the others; rejoining');
  }, 90_000);
});
