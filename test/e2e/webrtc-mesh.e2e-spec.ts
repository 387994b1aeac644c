import { createScratchDatabase } from '../support/db';
import { inviteGuest, TestGuest } from '../support/guests';
import { Instance, startInstance } from '../support/instances';
import { MeshPeer } from '../support/mesh-peer';
import { SignalingClient } from '../support/signaling-client';
import type { Served } from '../support/test-app';
import { connect, expectAck, makeVisit, TestVisit } from '../support/visits';

/** What each pair sends over its data channel: who is speaking to whom. */
const hello = (from: string, to: string) => `${from} → ${to}`;

/**
 * Patient, clinician and an interpreter who redeemed an invite, as three real WebRTC peers
 * set up only through the gateway: each pair opens its own connection and talks over it.
 */
async function meshOfThree(
  visit: TestVisit,
  on: { patient: Served; clinician: Served; guest: Served },
  guest: TestGuest,
  padGuestOffersTo = 0,
) {
  const { appointmentId } = visit;
  const clinician = await connect(on.clinician, visit.clinician);
  const patient = await connect(on.patient, visit.patient);
  const interpreter = await SignalingClient.open(on.guest.baseUrl, { token: guest.token });
  const peers = {
    [visit.patient.id]: new MeshPeer(patient, appointmentId),
    [visit.clinician.id]: new MeshPeer(clinician, appointmentId),
    [guest.userId]: new MeshPeer(interpreter, appointmentId, { padOffersTo: padGuestOffersTo }),
  };
  await expectAck(clinician.request('session.join', { appointmentId }));
  await expectAck(patient.request('session.join', { appointmentId }));
  await expectAck(interpreter.request('session.join', { appointmentId }));
  await expectAck(clinician.request('session.admit', { appointmentId }));
  await expectAck(clinician.request('session.admit', { appointmentId, userId: guest.userId }));
  return peers;
}

/** Every ordered pair sends a hello over its channel and the other side receives it. */
async function everyPairTalks(peers: Record<string, MeshPeer>): Promise<string[]> {
  const ids = Object.keys(peers);
  const heard: Promise<string>[] = [];
  for (const from of ids) {
    for (const to of ids.filter((id) => id !== from)) {
      const sending = await peers[from].channelWith(to);
      const receiving = await peers[to].channelWith(from);
      heard.push(
        new Promise((resolve) =>
          receiving.addEventListener('message', (e: MessageEvent) => resolve(String(e.data)), {
            once: true,
          }),
        ),
      );
      sending.send(hello(from, to));
      await heard[heard.length - 1];
    }
  }
  return Promise.all(heard);
}

function expectedHellos(ids: string[]): string[] {
  return ids.flatMap((from) => ids.filter((to) => to !== from).map((to) => hello(from, to)));
}

describe('a three-party mesh call over real WebRTC (e2e)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let instances: Instance[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_mesh');
    instances = [
      await startInstance('a', scratch.env),
      await startInstance('b', scratch.env),
      await startInstance('c', scratch.env),
    ];
  }, 240_000);

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await Promise.all(instances.map((instance) => instance.close()));
    await scratch?.drop();
  }, 60_000);

  it('on one instance: each pair of the three talks over its own data channel', async () => {
    const [a] = instances;
    const visit = await makeVisit(a);
    const guest = await inviteGuest(a, visit);
    const peers = await meshOfThree(visit, { patient: a, clinician: a, guest: a }, guest);
    try {
      const heard = await everyPairTalks(peers);
      expect(heard).toEqual(expectedHellos(Object.keys(peers)));
      expect(Object.values(peers).flatMap((peer) => peer.errors)).toEqual([]);
    } finally {
      Object.values(peers).forEach((peer) => peer.close());
    }
  }, 90_000);

  it('on three instances, with offers too large for a NOTIFY: the same', async () => {
    const [a, b, c] = instances;
    const visit = await makeVisit(a);
    const guest = await inviteGuest(b, visit);
    // The guest's offers carry 12 KB of extra SDP attributes, past NOTIFY's 8000 bytes.
    const peers = await meshOfThree(visit, { patient: a, clinician: b, guest: c }, guest, 12_000);
    try {
      const heard = await everyPairTalks(peers);
      expect(heard).toEqual(expectedHellos(Object.keys(peers)));
      expect(Object.values(peers).flatMap((peer) => peer.errors)).toEqual([]);
      expect(peers[guest.userId].largestOfferSent).toBeGreaterThan(12_000);
    } finally {
      Object.values(peers).forEach((peer) => peer.close());
    }
  }, 90_000);
});
