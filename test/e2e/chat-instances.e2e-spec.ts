import { randomUUID } from 'node:crypto';
import { createScratchDatabase } from '../support/db';
import { Instance, startInstance } from '../support/instances';
import { SignalingClient } from '../support/signaling-client';
import { connect, expectAck, makeVisit } from '../support/visits';

/** Chat with the patient on one instance and the clinician on another (child processes). */
describe('chat across two instances (e2e)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let a: Instance;
  let b: Instance;

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_chat');
    a = await startInstance('a', scratch.env);
    b = await startInstance('b', scratch.env);
  }, 180_000);

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await Promise.all([a, b].filter(Boolean).map((instance) => instance.close()));
    await scratch?.drop();
  }, 60_000);

  it('a waiting patient on one instance and the clinician on the other chat, numbered in one order', async () => {
    const visit = await makeVisit(a);
    const { appointmentId } = visit;
    const patient = await connect(a, visit.patient);
    const clinician = await connect(b, visit.clinician);
    await expectAck(patient.request('session.join', { appointmentId }));
    await expectAck(clinician.request('session.join', { appointmentId }));
    await clinician.next('session.waiting');

    const send = (socket: SignalingClient, text: string) =>
      expectAck(
        socket.request('chat.send', { appointmentId, clientMessageId: randomUUID(), text }),
      );
    const sent = await Promise.all([
      send(clinician, 'I will be with you shortly'),
      send(patient, 'Thank you'),
      send(clinician, 'Two minutes'),
    ]);

    expect(sent.map((ack) => ack.seq).sort()).toEqual([1, 2, 3]);
    for (const socket of [patient, clinician]) {
      for (const seq of [1, 2, 3]) {
        await socket.next((f) => f.event === 'chat.message' && f.data.seq === seq);
      }
    }
    const history = await expectAck(patient.request('chat.history', { appointmentId }));
    const other = await expectAck(clinician.request('chat.history', { appointmentId }));
    expect(history.items).toEqual(other.items);
    expect(history.items.map((m: { seq: number }) => m.seq)).toEqual([1, 2, 3]);
  });
});
