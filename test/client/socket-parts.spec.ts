import { CloseCode, type ClientFrame } from '../../client/protocol';
import { PendingRequests } from '../../client/pending-requests';
import {
  reconnectDefaults,
  reconnectDelay,
  RESTART_SPREAD_MS,
} from '../../client/reconnect-backoff';
import { TelevisitError } from '../../client/televisit-error';
import { decodeFrame, encodeFrame, MAX_FRAME_BYTES, upgradeRequest } from '../../client/wire';

describe('the reference socket’s pure parts', () => {
  describe('reconnectDelay', () => {
    const options = reconnectDefaults({ initialDelayMs: 100, maxDelayMs: 1000 });

    it('doubles a half-random cap, up to the maximum', () => {
      expect(reconnectDelay(0, 1006, options, () => 0)).toBe(50);
      expect(reconnectDelay(0, 1006, options, () => 0.999)).toBeCloseTo(99.95);
      expect(reconnectDelay(3, 1006, options, () => 0)).toBe(400);
      expect(reconnectDelay(10, 1006, options, () => 0)).toBe(500);
    });

    it('spreads the first retry after a restart, and waits long after a policy violation', () => {
      expect(reconnectDelay(0, CloseCode.serverRestarting, options, () => 0.5)).toBe(
        RESTART_SPREAD_MS / 2,
      );
      expect(reconnectDelay(0, CloseCode.policyViolation, options, () => 0)).toBe(15_000);
    });
  });

  describe('frames on the wire', () => {
    it('decodes JSON objects with an event, and nothing else', () => {
      expect(decodeFrame('{"event":"presence","data":{"userId":"u"}}')).toEqual({
        event: 'presence',
        data: { userId: 'u' },
      });
      expect(decodeFrame('{"event":"x","data":[1]}')).toEqual({ event: 'x', data: {} });
      expect(decodeFrame('not json')).toBeNull();
      expect(decodeFrame('{"data":{}}')).toBeNull();
      expect(decodeFrame(new Uint8Array(2))).toBeNull();
    });

    it('refuses a frame over 64 KiB before the server closes on it', () => {
      const frame = { event: 'chat.send', data: { text: 'x'.repeat(MAX_FRAME_BYTES) } };
      const encoded = encodeFrame(frame as unknown as ClientFrame);
      expect(encoded).toBeInstanceOf(TelevisitError);
      expect((encoded as TelevisitError).code).toBe('FRAME_TOO_LARGE');
    });

    it('puts the token in the query or in the Authorization header', () => {
      expect(upgradeRequest('ws://h/ws', 't k', 'query', {}).url).toBe(
        'ws://h/ws?access_token=t+k',
      );
      expect(upgradeRequest('ws://h/ws', 'tk', 'header', { X: '1' })).toEqual({
        url: 'ws://h/ws',
        headers: { X: '1', Authorization: 'Bearer tk' },
      });
    });
  });

  describe('PendingRequests', () => {
    const frame = { event: 'session.leave', data: { appointmentId: 'a' } } as ClientFrame;

    it('settles by id, and runs onAck before the requester hears', () => {
      const requests = new PendingRequests(10);
      const order: string[] = [];
      const id = requests.start(frame, 1000, {
        succeed: () => order.push('succeed'),
        fail: () => order.push('fail'),
      });
      requests.answer('ack', { id, ok: true }, () => order.push('onAck'));
      requests.answer('ack', { id }, () => order.push('again'));
      expect(order).toEqual(['onAck', 'succeed']);
    });

    it('turns an error frame into a TelevisitError with the server’s code', () => {
      const requests = new PendingRequests(10);
      const fail = jest.fn();
      const id = requests.start(frame, 1000, { succeed: jest.fn(), fail });
      requests.answer('error', { id, code: 'VISIT_FULL', message: 'full' }, jest.fn());
      expect(fail.mock.calls[0][0]).toMatchObject({ code: 'VISIT_FULL', message: 'full' });
    });

    it('fails on timeout and drops the frame from the outbox', () => {
      jest.useFakeTimers();
      try {
        const requests = new PendingRequests(10);
        const fail = jest.fn();
        const id = requests.start(frame, 50, { succeed: jest.fn(), fail });
        requests.enqueue(frame, id);
        jest.advanceTimersByTime(60);
        expect(fail.mock.calls[0][0]).toMatchObject({ code: 'TIMEOUT' });
        const send = jest.fn(() => null);
        requests.flush(send, () => false);
        expect(send).not.toHaveBeenCalled();
      } finally {
        jest.useRealTimers();
      }
    });

    it('flushes in order, dropping stale frames, and fails only what was sent on a drop', () => {
      const requests = new PendingRequests(2);
      const failed: string[] = [];
      const a = requests.start(frame, 1000, { succeed: jest.fn(), fail: () => failed.push('a') });
      const b = requests.start(frame, 1000, { succeed: jest.fn(), fail: () => failed.push('b') });
      expect(requests.enqueue(frame, a)).toBe(true);
      expect(requests.enqueue(frame, b)).toBe(true);
      expect(requests.enqueue(frame)).toBe(false);
      const sent: ClientFrame[] = [];
      let n = 0;
      requests.flush(
        (f) => {
          sent.push(f);
          return null;
        },
        () => n++ === 1,
      );
      expect(sent).toEqual([{ ...frame, id: a }]);
      expect(failed).toEqual(['b']);
      requests.failAll(true, 'DISCONNECTED', 'dropped');
      expect(failed).toEqual(['b', 'a']);
    });
  });
});
