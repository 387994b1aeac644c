import { readSignal, signalFrame } from './signal.dto';

const VISIT = '3f1c1f0e-6a55-4a0e-9d0a-2a7a0f6a1b11';
const FROM = '7c9e6679-7425-40de-944b-e07fc1f90ae7';

describe('signalFrame', () => {
  it.each([
    ['an ICE candidate', { candidate: 'candidate:1 1 udp 1 "q" é 🙂\n', sdpMLineIndex: 0 }],
    ['the end of candidates', null],
    ['no payload at all', undefined],
    ['an SDP offer', { type: 'offer', sdp: 'v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\n' }],
  ])('writes what serialising the whole frame would, for %s', (_label, payload) => {
    const text = signalFrame(VISIT, FROM, 'ice-candidate', payload);
    expect(text).toBe(
      JSON.stringify({
        event: 'signal',
        data: { appointmentId: VISIT, from: FROM, type: 'ice-candidate', payload: payload ?? null },
      }),
    );
  });
});

describe('readSignal', () => {
  it('takes a well-formed signal as it is', () => {
    const data = { appointmentId: VISIT, type: 'offer', payload: { sdp: 'v=0' } };
    expect(readSignal(data)).toBe(data);
  });

  it('takes a signal naming its recipient, and refuses a recipient that is not a user id', () => {
    const data = { appointmentId: VISIT, to: FROM, type: 'answer', payload: { sdp: 'v=0' } };
    expect(readSignal(data)).toBe(data);
    expect(() => readSignal({ ...data, to: 'the clinician' })).toThrow(
      expect.objectContaining({ details: { fields: { to: ['to must be a UUID'] } } }),
    );
  });

  it('names every wrong field at once', () => {
    expect(() => readSignal({ appointmentId: 'x', type: 'hello', payload: [1], extra: 1 })).toThrow(
      expect.objectContaining({
        code: 'VALIDATION_FAILED',
        details: {
          fields: {
            extra: ['property extra should not exist'],
            appointmentId: ['appointmentId must be a UUID'],
            type: ['type must be one of the following values: offer, answer, ice-candidate, bye'],
            payload: ['payload must be an object'],
          },
        },
      }),
    );
  });
});
