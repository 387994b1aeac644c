import type { EntityManager } from 'typeorm';
import type { VisitLifecycleService } from '../appointments/visit-lifecycle.service';
import type { Caller } from '../auth/caller';
import type { Connection } from '../realtime/connection';
import { afterAckOf } from '../realtime/frame-context';
import type { InstanceRegistry } from '../realtime/instance-registry';
import { LocalRooms } from './local-rooms';
import type { ResumeGraceService } from './resume-grace.service';
import type { RoomFanout } from './room-fanout';
import type { RoomQueries } from './room-queries';
import type { RoomChange, RoomStore } from './room-store';
import { VisitControlsService } from './visit-controls.service';
import type { VisitMetrics } from './visit.metrics';
import type { Outgoing } from './visit-frames';
import type { VisitGuests } from './visit-guests';
import type { Seat, Seats } from './visit-room';

/** Seats as the store keys them (by participant), from a map by side for the test's reading. */
function byUser(seats: Partial<Record<string, Seat>>): Seats {
  return Object.fromEntries(Object.values(seats).map((s) => [(s as Seat).userId, s as Seat]));
}

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';

function seat(side: Seat['side'], over: Partial<Seat> = {}): Seat {
  return {
    side,
    role: side === 'guest' ? 'interpreter' : side,
    userId: `${side}-user`,
    displayName: `${side} name`,
    instanceId: 'here',
    connectionId: `${side}-socket`,
    admitted: side === 'clinician',
    ...over,
  };
}

function socketOf(side: Seat['side']): Connection {
  return {
    id: `${side}-socket`,
    userId: `${side}-user`,
    caller: { userId: `${side}-user`, role: side } as Caller,
  } as unknown as Connection;
}

/** The visit's seats in a fake store: each change applies to a copy, as a transaction would. */
class FakeStore {
  version = 1;
  constructor(public seats: Seats) {}

  async change<T>(_id: string, apply: (seats: Seats, manager: EntityManager) => Promise<T> | T) {
    const before = { appointmentId: VISIT, version: this.version, seats: this.seats };
    const seats = structuredClone(this.seats);
    const result = await apply(seats, {} as EntityManager);
    this.seats = seats;
    this.version += 1;
    return { before, after: { appointmentId: VISIT, version: this.version, seats }, result };
  }
}

describe('VisitControlsService', () => {
  const metrics = { seen: () => undefined } as unknown as VisitMetrics;
  let store: FakeStore;
  let rooms: LocalRooms;
  let published: { change: RoomChange<unknown>; frames: Outgoing[] }[];
  let stopped: string[];
  let lifecycle: string[];
  let accessEnded: string[];
  let controls: VisitControlsService;

  function start(sides: Partial<Record<string, Seat>>) {
    const seats = byUser(sides);
    store = new FakeStore(seats);
    rooms = new LocalRooms({ id: 'here' } as InstanceRegistry, metrics);
    rooms.adopt({ appointmentId: VISIT, version: 1, seats });
    published = [];
    stopped = [];
    lifecycle = [];
    accessEnded = [];
    const visits = {
      auditRefusals: (_c: Caller, _id: string, _a: string, work: () => Promise<unknown>) => work(),
      admit: () => Promise.resolve(lifecycle.push('admit')),
      end: () => Promise.resolve(lifecycle.push('end')),
      recordGuest: (_c: Caller, _id: string, change: string, guestId: string) =>
        Promise.resolve(lifecycle.push(`guest_${change} ${guestId}`)),
    } as unknown as VisitLifecycleService;
    const guests = {
      endAccessOf: (_id: string, userId: string) => Promise.resolve(accessEnded.push(userId)),
      endGuestAccess: (id: string) => Promise.resolve(accessEnded.push(`all of ${id}`)),
    } as unknown as VisitGuests;
    const fanout = {
      publish: (change: RoomChange<unknown>, frames: Outgoing[]) =>
        published.push({ change, frames }),
    } as unknown as RoomFanout;
    const grace = {
      stop: (id: string, side: string) => stopped.push(`${id}:${side}`),
    } as unknown as ResumeGraceService;
    controls = new VisitControlsService(
      visits,
      store as unknown as RoomStore,
      {} as RoomQueries,
      rooms,
      fanout,
      grace,
      guests,
    );
  }

  const events = () =>
    published.flatMap(({ frames }) =>
      frames.map((f) => [f.to?.connectionId, (JSON.parse(f.text) as { event: string }).event]),
    );

  it('the clinician admits the waiting patient: both hear of each other once the ack is out', async () => {
    start({ patient: seat('patient'), clinician: seat('clinician') });

    const ack = await controls.admit(socketOf('clinician'), VISIT);

    expect(ack).toEqual({ appointmentId: VISIT, status: 'in_progress' });
    expect(store.seats['patient-user']?.admitted).toBe(true);
    expect(lifecycle).toEqual(['admit']);
    expect(published).toEqual([]);
    afterAckOf(ack)?.();
    expect(events()).toEqual([
      ['patient-socket', 'session.peer-joined'],
      ['clinician-socket', 'session.peer-joined'],
    ]);
  });

  it('only the clinician admits, and only a patient who is there and waiting; nothing changes', async () => {
    start({ patient: seat('patient'), clinician: seat('clinician') });
    await expect(controls.admit(socketOf('patient'), VISIT)).rejects.toMatchObject({
      code: 'FORBIDDEN_ROLE',
    });

    start({
      patient: seat('patient', { connectionId: null, instanceId: null }),
      clinician: seat('clinician'),
    });
    await expect(controls.admit(socketOf('clinician'), VISIT)).rejects.toMatchObject({
      code: 'NO_PATIENT_WAITING',
    });
    expect(store.version).toBe(1);
    expect(lifecycle).toEqual([]);
  });

  it('a guest is admitted only after the patient, and then meets everyone in the call', async () => {
    const guest = seat('guest', { userId: 'guest-user', connectionId: 'guest-socket' });
    start({ patient: seat('patient'), clinician: seat('clinician'), guest });
    await expect(controls.admit(socketOf('clinician'), VISIT, 'guest-user')).rejects.toMatchObject({
      code: 'PATIENT_NOT_ADMITTED',
    });
    expect(store.version).toBe(1);

    start({ patient: seat('patient', { admitted: true }), clinician: seat('clinician'), guest });
    const ack = await controls.admit(socketOf('clinician'), VISIT, 'guest-user');

    expect(ack).toEqual({ appointmentId: VISIT, userId: 'guest-user', status: 'in_progress' });
    expect(lifecycle).toEqual(['guest_admit guest-user']);
    afterAckOf(ack)?.();
    expect(events()).toEqual([
      ['guest-socket', 'session.peer-joined'],
      ['patient-socket', 'session.peer-joined'],
      ['guest-socket', 'session.peer-joined'],
      ['clinician-socket', 'session.peer-joined'],
    ]);
  });

  it('the host removes a guest: ended for them, peer-left for the others, and access gone', async () => {
    const guest = seat('guest', {
      userId: 'guest-user',
      connectionId: 'guest-socket',
      admitted: true,
    });
    start({ patient: seat('patient', { admitted: true }), clinician: seat('clinician'), guest });
    await expect(controls.remove(socketOf('patient'), VISIT, 'guest-user')).rejects.toMatchObject({
      code: 'FORBIDDEN_ROLE',
    });
    await expect(
      controls.remove(socketOf('clinician'), VISIT, 'patient-user'),
    ).rejects.toMatchObject({ code: 'NOT_A_GUEST' });
    expect(accessEnded).toEqual([]);

    await controls.remove(socketOf('clinician'), VISIT, 'guest-user');

    expect(Object.keys(store.seats).sort()).toEqual(['clinician-user', 'patient-user']);
    expect(lifecycle).toEqual(['guest_remove guest-user']);
    expect(accessEnded).toEqual(['guest-user']);
    expect(events()).toEqual([
      ['guest-socket', 'session.ended'],
      ['patient-socket', 'session.peer-left'],
      ['clinician-socket', 'session.peer-left'],
    ]);
  });

  it('leaving tells the other side and forgets the seat', async () => {
    start({ patient: seat('patient', { admitted: true }), clinician: seat('clinician') });

    await expect(controls.leave(socketOf('patient'), VISIT)).resolves.toEqual({
      appointmentId: VISIT,
    });

    expect(store.seats['patient-user']).toBeUndefined();
    expect(events()).toEqual([['clinician-socket', 'session.peer-left']]);
    expect(rooms.seatOf('patient-socket', VISIT)).toBeUndefined();
  });

  it('ending clears both seats, stops both graces and tells whoever sat there', async () => {
    start({ patient: seat('patient', { admitted: true }), clinician: seat('clinician') });

    const ack = await controls.end(socketOf('clinician'), VISIT);
    afterAckOf(ack)?.();

    expect(ack).toEqual({ appointmentId: VISIT, status: 'completed' });
    expect(store.seats).toEqual({});
    expect(stopped).toEqual([`${VISIT}:patient-user`, `${VISIT}:clinician-user`]);
    expect(accessEnded).toEqual([`all of ${VISIT}`]);
    expect(events()).toEqual([
      ['patient-socket', 'session.ended'],
      ['clinician-socket', 'session.ended'],
    ]);
    expect(rooms.get(VISIT)).toBeUndefined();
  });

  it('a socket without a seat controls nothing', async () => {
    start({ clinician: seat('clinician') });

    expect(() => controls.leave(socketOf('patient'), VISIT)).toThrow(
      expect.objectContaining({ code: 'NOT_IN_VISIT' }),
    );
    await expect(controls.end(socketOf('patient'), VISIT)).rejects.toMatchObject({
      code: 'NOT_IN_VISIT',
    });
  });
});
