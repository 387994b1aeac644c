import type { EntityManager } from 'typeorm';
import type { Connection } from '../realtime/connection';
import type { ConnectionRegistry } from '../realtime/connection-registry';
import type { InstanceRegistry } from '../realtime/instance-registry';
import type { PgBus } from '../realtime/pg-bus';
import { LocalRooms } from './local-rooms';
import type { RoomFanout } from './room-fanout';
import type { RoomStore } from './room-store';
import type { SignalQueueStore } from './signal-queue.store';
import { SignalRelayService } from './signal-relay.service';
import type { VisitMetrics } from './visit.metrics';
import type { Seat, Seats } from './visit-room';

/** Seats as the store keys them (by participant), from a map by side for the test's reading. */
function byUser(seats: Partial<Record<string, Seat>>): Seats {
  return Object.fromEntries(Object.values(seats).map((s) => [(s as Seat).userId, s as Seat]));
}

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';
const OFFER = { type: 'offer', sdp: 'v=0' };

/** A fake that throws on any member the test did not give it. */
function strict<T extends object>(given: Partial<T>, name: string): T {
  return new Proxy(given as T, {
    get(target, key) {
      if (key in target || key === 'then') {
        return (target as Record<string | symbol, unknown>)[key];
      }
      throw new Error(`${name}.${String(key)} was not expected`);
    },
  });
}

function seat(side: Seat['side'], over: Partial<Seat> = {}): Seat {
  return {
    side,
    role: side === 'guest' ? 'interpreter' : side,
    userId: `${side}-user`,
    displayName: side,
    instanceId: 'here',
    connectionId: `${side}-socket`,
    admitted: true,
    ...over,
  };
}

function socket(id: string, open = true) {
  const sent: string[] = [];
  const connection = {
    id,
    isOpen: open,
    sendText: (text: string) => sent.push(text) > 0,
  } as unknown as Connection;
  return { connection, sent };
}

describe('SignalRelayService', () => {
  const metrics = {
    seen: () => undefined,
    signalRelayed: () => undefined,
  } as unknown as VisitMetrics;
  const instances = { id: 'here' } as InstanceRegistry;
  let rooms: LocalRooms;
  let sockets: Map<string, Connection>;
  let queued: string[];
  let sentOnBus: unknown[];
  let relay: SignalRelayService;
  /** The visit's seats in the fake store (as another instance may have changed them). */
  let stored: Seats;

  beforeEach(() => {
    rooms = new LocalRooms(instances, metrics);
    sockets = new Map();
    queued = [];
    sentOnBus = [];
    stored = {};
    const registry = strict<ConnectionRegistry>(
      { byConnectionId: (id: string) => sockets.get(id) },
      'registry',
    );
    const store = strict<RoomStore>(
      {
        change: (async (_id: string, apply: (s: Seats, m: EntityManager) => unknown) => ({
          before: { appointmentId: VISIT, version: 1, seats: stored },
          after: { appointmentId: VISIT, version: 2, seats: stored },
          result: await apply(stored, {} as EntityManager),
        })) as RoomStore['change'],
      },
      'store',
    );
    const queue = strict<SignalQueueStore>(
      {
        enqueue: (_m: EntityManager, _a: string, _s: string, frame: string) => {
          queued.push(frame);
          return Promise.resolve();
        },
      },
      'queue',
    );
    const bus = strict<PgBus>(
      {
        send: (_to: string, message: unknown) => {
          sentOnBus.push(message);
          return Promise.resolve();
        },
      },
      'bus',
    );
    const fanout = strict<RoomFanout>({}, 'fanout');
    relay = new SignalRelayService(rooms, store, queue, fanout, registry, bus, instances, metrics);
  });

  function seated(sides: Partial<Record<string, Seat>>) {
    const seats = byUser(sides);
    rooms.adopt({ appointmentId: VISIT, version: 1, seats });
    stored = structuredClone(seats);
  }

  it('hands a signal straight to the peer’s socket here, with `from` set by the server', () => {
    const patient = socket('patient-socket');
    const clinician = socket('clinician-socket');
    sockets.set('patient-socket', patient.connection).set('clinician-socket', clinician.connection);
    seated({ patient: seat('patient'), clinician: seat('clinician') });

    const result = relay.signal(patient.connection, {
      appointmentId: VISIT,
      type: 'offer',
      payload: OFFER,
    });

    expect(result).toEqual({ appointmentId: VISIT, delivered: true });
    expect(clinician.sent.map((text) => JSON.parse(text) as unknown)).toEqual([
      {
        event: 'signal',
        data: { appointmentId: VISIT, from: 'patient-user', type: 'offer', payload: OFFER },
      },
    ]);
  });

  it('refuses a socket without a seat, a waiting patient, and a peer not admitted', () => {
    const patient = socket('patient-socket');
    const dto = { appointmentId: VISIT, type: 'offer' as const, payload: OFFER };
    expect(() => relay.signal(patient.connection, dto)).toThrow(
      expect.objectContaining({ code: 'NOT_IN_VISIT' }),
    );

    seated({ patient: seat('patient', { admitted: false }), clinician: seat('clinician') });
    expect(() => relay.signal(patient.connection, dto)).toThrow(
      expect.objectContaining({ code: 'NOT_ADMITTED' }),
    );

    const clinician = socket('clinician-socket');
    rooms.adopt({
      appointmentId: VISIT,
      version: 2,
      seats: byUser({
        patient: seat('patient', { admitted: false }),
        clinician: seat('clinician'),
      }),
    });
    expect(() => relay.signal(clinician.connection, dto)).toThrow(
      expect.objectContaining({ code: 'PEER_NOT_AVAILABLE' }),
    );
  });

  it('sends a signal for a peer on another instance over the bus, to that socket', async () => {
    const patient = socket('patient-socket');
    seated({
      patient: seat('patient'),
      clinician: seat('clinician', { instanceId: 'there', connectionId: 'far-socket' }),
    });

    await expect(
      relay.signal(patient.connection, { appointmentId: VISIT, type: 'bye', payload: {} }),
    ).resolves.toEqual({ appointmentId: VISIT, delivered: true });
    expect(sentOnBus).toEqual([
      expect.objectContaining({
        kind: 'visit.signal',
        appointmentId: VISIT,
        userId: 'clinician-user',
        connectionId: 'far-socket',
      }),
    ]);
  });

  it('keeps signals for a reconnecting peer, in the order sent', async () => {
    const patient = socket('patient-socket');
    seated({
      patient: seat('patient'),
      clinician: seat('clinician', { instanceId: null, connectionId: null }),
    });

    const results = await Promise.all(
      [1, 2, 3].map((n) =>
        Promise.resolve(
          relay.signal(patient.connection, {
            appointmentId: VISIT,
            type: 'ice-candidate',
            payload: { candidate: `c${n}` },
          }),
        ),
      ),
    );

    expect(results).toEqual(
      [1, 2, 3].map(() => ({ appointmentId: VISIT, delivered: false, queued: true })),
    );
    expect(
      queued.map((text) => (JSON.parse(text) as { data: { payload: unknown } }).data.payload),
    ).toEqual([{ candidate: 'c1' }, { candidate: 'c2' }, { candidate: 'c3' }]);
  });

  it('a signal from another instance for a socket here that closed is kept for the resume', async () => {
    seated({
      patient: seat('patient', { instanceId: 'there', connectionId: 'far-socket' }),
      clinician: seat('clinician', { instanceId: null, connectionId: null }),
    });

    await relay.receive({
      kind: 'visit.signal',
      appointmentId: VISIT,
      userId: 'clinician-user',
      connectionId: 'clinician-socket',
      text: 'frame',
    });

    expect(queued).toEqual(['frame']);
  });

  it('a signal naming its recipient goes to them; naming anyone else is PEER_NOT_AVAILABLE', () => {
    const patient = socket('patient-socket');
    const clinician = socket('clinician-socket');
    sockets.set('patient-socket', patient.connection).set('clinician-socket', clinician.connection);
    seated({ patient: seat('patient'), clinician: seat('clinician') });
    const dto = { appointmentId: VISIT, type: 'offer' as const, payload: OFFER };

    expect(relay.signal(patient.connection, { ...dto, to: 'clinician-user' })).toEqual({
      appointmentId: VISIT,
      delivered: true,
    });
    expect(() => relay.signal(patient.connection, { ...dto, to: 'patient-user' })).toThrow(
      expect.objectContaining({ code: 'PEER_NOT_AVAILABLE' }),
    );
    expect(clinician.sent).toHaveLength(1);
    expect(patient.sent).toEqual([]);
  });
});
