import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { expectAck, inCall, makeVisit } from '../support/visits';

const OFFER = { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' };

/** `signal` naming its recipient (`to`, PRODUCT §9), in a visit of two. */
describe('a signal naming its recipient (e2e)', () => {
  let t: TestApp;

  beforeAll(async () => {
    t = await startTestApp();
  });

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await t?.close();
  });

  it('reaches the participant it names; naming anyone else is refused and sends nothing', async () => {
    const visit = await makeVisit(t);
    const { appointmentId } = visit;
    const { patient, clinician } = await inCall(t, visit);
    const signal = { appointmentId, type: 'offer', payload: OFFER };

    const named = await expectAck(patient.request('signal', { ...signal, to: visit.clinician.id }));
    expect(named).toMatchObject({ delivered: true });
    const relayed = await clinician.next('signal');
    expect(relayed.data).toEqual({ ...signal, from: visit.patient.id });

    const self = await patient.request('signal', { ...signal, to: visit.patient.id });
    expect(self).toMatchObject({ event: 'error', data: { code: 'PEER_NOT_AVAILABLE' } });
    const bad = await patient.request('signal', { ...signal, to: 'the clinician' });
    expect(bad).toMatchObject({
      event: 'error',
      data: { code: 'VALIDATION_FAILED', details: { fields: { to: ['to must be a UUID'] } } },
    });
    await clinician.sync();
    expect(clinician.received('signal')).toHaveLength(1);
  });
});
