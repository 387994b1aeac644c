import { isRoomMessage, isSignalMessage, isUserMessage } from './visit-messages';

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';

describe('visit bus messages', () => {
  it('takes well-formed messages', () => {
    expect(
      isRoomMessage({
        kind: 'visit.room',
        room: { appointmentId: VISIT, version: 2, seats: {} },
        frames: [{ connectionId: 'c', text: '{}' }],
      }),
    ).toBe(true);
    expect(
      isSignalMessage({
        kind: 'visit.signal',
        appointmentId: VISIT,
        userId: 'u',
        connectionId: 'c',
        text: '{}',
      }),
    ).toBe(true);
    expect(isUserMessage({ kind: 'visit.user', userId: 'u', text: '{}' })).toBe(true);
  });

  it.each([
    ['null', null],
    ['no room', { kind: 'visit.room', frames: [] }],
    [
      'a frame without its socket',
      {
        kind: 'visit.room',
        room: { appointmentId: VISIT, version: 1, seats: {} },
        frames: [{ text: 'x' }],
      },
    ],
    [
      'a version as text',
      { kind: 'visit.room', room: { appointmentId: VISIT, version: '1', seats: {} }, frames: [] },
    ],
  ])('refuses a room message with %s', (_label, message) => {
    expect(isRoomMessage(message)).toBe(false);
  });

  it('refuses a signal without its recipient or its text, and a user message without a user', () => {
    const signal = { kind: 'visit.signal', appointmentId: VISIT, connectionId: 'c', text: 'x' };
    expect(isSignalMessage({ ...signal, side: 'patient' })).toBe(false);
    expect(isSignalMessage({ ...signal, userId: 'u', text: undefined })).toBe(false);
    expect(isUserMessage({ kind: 'visit.user', text: 'x' })).toBe(false);
  });
});
