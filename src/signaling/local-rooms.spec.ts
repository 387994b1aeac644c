import type { InstanceRegistry } from '../realtime/instance-registry';
import { LocalRooms } from './local-rooms';
import type { VisitMetrics } from './visit.metrics';
import type { RoomSnapshot, Seat } from './visit-room';

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';

function seat(side: Seat['side'], instanceId: string | null, connectionId: string | null): Seat {
  return {
    side,
    role: 'patient',
    userId: side,
    displayName: side,
    instanceId,
    connectionId,
    admitted: true,
  };
}

function snapshot(version: number, seats: RoomSnapshot['seats']): RoomSnapshot {
  return { appointmentId: VISIT, version, seats };
}

describe('LocalRooms', () => {
  let rooms: LocalRooms;
  let seen: RoomSnapshot[];

  beforeEach(() => {
    seen = [];
    const metrics = { seen: (room: RoomSnapshot) => seen.push(room) } as unknown as VisitMetrics;
    rooms = new LocalRooms({ id: 'here' } as InstanceRegistry, metrics);
  });

  it('keeps a visit with a seat here and finds it by the seat’s connection', () => {
    rooms.adopt(snapshot(1, { patient: seat('patient', 'here', 'c1') }));

    expect(rooms.seatOf('c1', VISIT)?.side).toBe('patient');
    expect(rooms.visitsOf('c1')).toEqual([VISIT]);
    expect(() => rooms.requireSeat('c2', VISIT)).toThrow(
      expect.objectContaining({ code: 'NOT_IN_VISIT' }),
    );
    expect(seen).toHaveLength(1);
  });

  it('never goes back to an older snapshot', () => {
    rooms.adopt(snapshot(5, { patient: seat('patient', 'here', 'c2') }));
    rooms.adopt(snapshot(4, { patient: seat('patient', 'here', 'c1') }));

    expect(rooms.seatOf('c2', VISIT)).toBeDefined();
    expect(rooms.seatOf('c1', VISIT)).toBeUndefined();
  });

  it('forgets the visit, its connections and its seats’ timers once no seat is here', () => {
    jest.useFakeTimers();
    try {
      const fired: string[] = [];
      rooms.adopt(snapshot(1, { patient: seat('patient', 'here', 'c1') }));
      rooms.holdTimer(
        VISIT,
        'patient',
        setTimeout(() => fired.push('refresh'), 1000),
      );

      rooms.adopt(snapshot(2, { patient: seat('patient', 'elsewhere', 'c9') }));
      jest.advanceTimersByTime(2000);

      expect(rooms.get(VISIT)).toBeUndefined();
      expect(rooms.visitsOf('c1')).toEqual([]);
      expect(fired).toEqual([]);
    } finally {
      jest.useRealTimers();
    }
  });

  it('moves a connection’s index when the seat is taken over by another socket here', () => {
    rooms.adopt(snapshot(1, { clinician: seat('clinician', 'here', 'c1') }));
    rooms.adopt(snapshot(2, { clinician: seat('clinician', 'here', 'c2') }));

    expect(rooms.visitsOf('c1')).toEqual([]);
    expect(rooms.visitsOf('c2')).toEqual([VISIT]);
  });
});
