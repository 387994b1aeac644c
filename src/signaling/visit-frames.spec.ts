import {
  everyoneEnded,
  peerLeft,
  peerReconnected,
  peerReconnecting,
  peersJoined,
  waitingFrame,
} from './visit-frames';
import type { RoomSnapshot, Seat } from './visit-room';

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';

function seat(side: Seat['side'], admitted: boolean, connectionId: string | null = side): Seat {
  return {
    side,
    userId: `${side}-user`,
    displayName: `${side} name`,
    instanceId: connectionId ? 'here' : null,
    connectionId,
    admitted,
  };
}

function room(seats: RoomSnapshot['seats']): RoomSnapshot {
  return { appointmentId: VISIT, version: 3, seats };
}

const parsed = (text: string | undefined) => JSON.parse(text ?? 'null') as unknown;

describe('visit frames', () => {
  it('peer-joined tells each side about the other', () => {
    const patient = seat('patient', true);
    const clinician = seat('clinician', true);
    const frames = peersJoined(room({ patient, clinician }));

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

  it('waiting names a patient who is connected and not admitted, and nobody else', () => {
    expect(parsed(waitingFrame(room({ patient: seat('patient', false) })))).toEqual({
      event: 'session.waiting',
      data: {
        appointmentId: VISIT,
        patient: { userId: 'patient-user', displayName: 'patient name' },
      },
    });
    expect(waitingFrame(room({ patient: seat('patient', true) }))).toBeUndefined();
    expect(waitingFrame(room({ patient: seat('patient', false, null) }))).toBeUndefined();
    expect(waitingFrame(room({ clinician: seat('clinician', true) }))).toBeUndefined();
  });

  it('left, reconnecting and reconnected go to the other side, naming this one', () => {
    const patient = seat('patient', true);
    const clinician = seat('clinician', true);
    const snapshot = room({ patient, clinician });

    expect(peerLeft(snapshot, patient, 'disconnected')).toEqual({
      to: clinician,
      text: JSON.stringify({
        event: 'session.peer-left',
        data: { appointmentId: VISIT, userId: 'patient-user', reason: 'disconnected' },
      }),
    });
    expect(peerReconnecting(snapshot, 'clinician').to).toBe(patient);
    expect(parsed(peerReconnecting(snapshot, 'clinician').text)).toEqual({
      event: 'session.peer-reconnecting',
      data: { appointmentId: VISIT, userId: 'clinician-user' },
    });
    expect(peerReconnected(snapshot, 'patient').to).toBe(clinician);
    expect(parsed(peerReconnected(snapshot, 'patient').text)).toEqual({
      event: 'session.peer-reconnected',
      data: { appointmentId: VISIT, userId: 'patient-user' },
    });
  });

  it('ended goes to whoever sat in the visit, the absent seat included', () => {
    const patient = seat('patient', true, null);
    const clinician = seat('clinician', true);

    expect(everyoneEnded(room({ patient, clinician }), 'ended')).toEqual([
      { to: patient, text: 'ended' },
      { to: clinician, text: 'ended' },
    ]);
  });
});
