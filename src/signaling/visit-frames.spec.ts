import {
  everyoneEnded,
  peerLeft,
  peerReconnected,
  peerReconnecting,
  peersJoined,
  waitingFrame,
  waitingFrames,
} from './visit-frames';
import { isPoliteToward, RoomSnapshot, Seat, Seats } from './visit-room';

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';

function seat(
  side: Seat['side'],
  admitted: boolean,
  connectionId: string | null = side,
  userId = `${side}-user`,
): Seat {
  return {
    side,
    role: side === 'guest' ? 'interpreter' : side,
    userId,
    displayName: `${side} name`,
    instanceId: connectionId ? 'here' : null,
    connectionId,
    admitted,
  };
}

function room(...seats: Seat[]): RoomSnapshot {
  const bySeat: Seats = Object.fromEntries(seats.map((s) => [s.userId, s]));
  return { appointmentId: VISIT, version: 3, seats: bySeat };
}

const parsed = (text: string | undefined) => JSON.parse(text ?? 'null') as unknown;
/** Who gets which event about whom, in a readable form. */
const told = (frames: { to: unknown; text: string }[]) =>
  frames.map((f) => {
    const { event, data } = parsed(f.text) as { event: string; data: { userId: string } };
    return `${(f.to as Seat).userId} <- ${event} ${data.userId}`;
  });

describe('visit frames', () => {
  it('peer-joined tells each side about the other (a visit of two, exactly as ever)', () => {
    const patient = seat('patient', true);
    const clinician = seat('clinician', true);
    const frames = peersJoined(room(patient, clinician), 'patient-user');

    expect(frames.map((f) => [f.to, parsed(f.text)])).toEqual([
      [
        patient,
        {
          event: 'session.peer-joined',
          data: {
            appointmentId: VISIT,
            userId: 'clinician-user',
            role: 'clinician',
            displayName: 'clinician name',
          },
        },
      ],
      [
        clinician,
        {
          event: 'session.peer-joined',
          data: {
            appointmentId: VISIT,
            userId: 'patient-user',
            role: 'patient',
            displayName: 'patient name',
          },
        },
      ],
    ]);
  });

  it('a guest admitted meets everyone in the call, and no one waiting', () => {
    const patient = seat('patient', true);
    const clinician = seat('clinician', true);
    const interpreter = seat('guest', true, 'g1', 'interpreter-user');
    const waiting = seat('guest', false, 'g2', 'caregiver-user');
    const frames = peersJoined(room(patient, clinician, interpreter, waiting), 'interpreter-user');

    expect(told(frames)).toEqual([
      'interpreter-user <- session.peer-joined patient-user',
      'patient-user <- session.peer-joined interpreter-user',
      'interpreter-user <- session.peer-joined clinician-user',
      'clinician-user <- session.peer-joined interpreter-user',
    ]);
  });

  it('with a guest in the visit, peer-joined says who of the pair is polite', () => {
    const patient = seat('patient', true);
    const guest = seat('guest', true, 'g', 'guest-user');
    const frames = peersJoined(room(patient, seat('clinician', true), guest), 'guest-user');
    const polite = frames.map((f) => {
      const { data } = parsed(f.text) as { data: { userId: string; polite: boolean } };
      return [(f.to as Seat).userId, data.userId, data.polite];
    });
    expect(polite).toEqual([
      ['guest-user', 'patient-user', false],
      ['patient-user', 'guest-user', true],
      ['guest-user', 'clinician-user', true],
      ['clinician-user', 'guest-user', false],
    ]);
  });

  it('each pair has exactly one polite peer: the patient yields to all, the host to none', () => {
    const people = [
      seat('patient', true),
      seat('clinician', true),
      seat('guest', true, 'a', 'guest-a'),
      seat('guest', true, 'b', 'guest-b'),
    ];
    for (const me of people) {
      for (const other of people.filter((p) => p !== me)) {
        expect(isPoliteToward(me, other)).toBe(!isPoliteToward(other, me));
      }
    }
    expect(people.slice(1).every((other) => isPoliteToward(people[0], other))).toBe(true);
    expect(people.some((other) => other !== people[1] && isPoliteToward(people[1], other))).toBe(
      false,
    );
  });

  it('waiting names a patient or guest connected and not admitted, and nobody else', () => {
    const patient = seat('patient', false);
    expect(parsed(waitingFrame(room(patient), patient))).toEqual({
      event: 'session.waiting',
      data: {
        appointmentId: VISIT,
        patient: { userId: 'patient-user', displayName: 'patient name' },
      },
    });
    const guest = seat('guest', false, 'g', 'guest-user');
    expect(parsed(waitingFrame(room(guest), guest))).toEqual({
      event: 'session.waiting',
      data: {
        appointmentId: VISIT,
        participant: { userId: 'guest-user', role: 'interpreter', displayName: 'guest name' },
      },
    });
    const admitted = seat('patient', true);
    expect(waitingFrame(room(admitted), admitted)).toBeUndefined();
    const away = seat('patient', false, null);
    expect(waitingFrame(room(away), away)).toBeUndefined();
  });

  it('the host sees the waiting patient first, then waiting guests', () => {
    const snapshot = room(
      seat('guest', false, 'g', 'guest-user'),
      seat('clinician', true),
      seat('patient', false),
    );
    expect(
      waitingFrames(snapshot).map((text) => {
        const { data } = parsed(text) as { data: Record<string, { userId: string }> };
        return (data.patient ?? data.participant).userId;
      }),
    ).toEqual(['patient-user', 'guest-user']);
  });

  it('left, reconnecting and reconnected go to the other side, naming this one', () => {
    const patient = seat('patient', true);
    const clinician = seat('clinician', true);
    const snapshot = room(patient, clinician);

    expect(peerLeft(snapshot, patient, 'disconnected')).toEqual([
      {
        to: clinician,
        text: JSON.stringify({
          event: 'session.peer-left',
          data: { appointmentId: VISIT, userId: 'patient-user', reason: 'disconnected' },
        }),
      },
    ]);
    expect(told(peerReconnecting(snapshot, 'clinician-user'))).toEqual([
      'patient-user <- session.peer-reconnecting clinician-user',
    ]);
    expect(told(peerReconnected(snapshot, 'patient-user'))).toEqual([
      'clinician-user <- session.peer-reconnected patient-user',
    ]);
  });

  it('a waiting guest hears only of the host, and only the host hears of them', () => {
    const patient = seat('patient', true);
    const clinician = seat('clinician', true);
    const waiting = seat('guest', false, 'g', 'guest-user');
    const snapshot = room(patient, clinician, waiting);

    expect(told(peerLeft(snapshot, waiting, 'left'))).toEqual([
      'clinician-user <- session.peer-left guest-user',
    ]);
    // With a guest in the visit, peer events name the participant fully.
    expect(parsed(peerLeft(snapshot, waiting, 'left')[0].text)).toEqual({
      event: 'session.peer-left',
      data: {
        appointmentId: VISIT,
        userId: 'guest-user',
        role: 'interpreter',
        displayName: 'guest name',
        reason: 'left',
      },
    });
    expect(told(peerReconnecting(snapshot, 'patient-user'))).toEqual([
      'clinician-user <- session.peer-reconnecting patient-user',
    ]);
    expect(told(peerReconnecting(snapshot, 'clinician-user'))).toEqual([
      'patient-user <- session.peer-reconnecting clinician-user',
      'guest-user <- session.peer-reconnecting clinician-user',
    ]);
  });

  it('ended goes to whoever sat in the visit, the absent seat included', () => {
    const patient = seat('patient', true, null);
    const clinician = seat('clinician', true);

    expect(everyoneEnded(room(patient, clinician), 'ended')).toEqual([
      { to: patient, text: 'ended' },
      { to: clinician, text: 'ended' },
    ]);
  });
});
