import { pushStatusResult, retryDelayMs, smtpResult } from './delivery-failure';

describe('delivery failures', () => {
  it('retry push 429 and 5xx, drop 404/410 subscriptions, give up on other 4xx', () => {
    expect(pushStatusResult(201)).toEqual({ kind: 'sent' });
    expect(pushStatusResult(410)).toBe('gone');
    expect(pushStatusResult(404)).toBe('gone');
    expect(pushStatusResult(503)).toEqual({ kind: 'temporary', error: 'PUSH_503' });
    expect(pushStatusResult(429)).toEqual({ kind: 'temporary', error: 'PUSH_429' });
    expect(pushStatusResult(400)).toEqual({ kind: 'permanent', error: 'PUSH_400' });
  });

  it('retry SMTP 4xx and refused connections, give up on 5xx', () => {
    expect(smtpResult({ responseCode: 451 })).toEqual({ kind: 'temporary', error: 'SMTP_451' });
    expect(smtpResult({ responseCode: 550 })).toEqual({ kind: 'permanent', error: 'SMTP_550' });
    expect(smtpResult({ code: 'ECONNREFUSED' }).kind).toBe('temporary');
  });

  it('back off exponentially up to an hour', () => {
    expect(retryDelayMs(1, 1000, 1)).toBe(1000);
    expect(retryDelayMs(3, 1000, 1)).toBe(4000);
    expect(retryDelayMs(3, 1000, 0)).toBe(2000);
    expect(retryDelayMs(30, 1000, 1)).toBe(3_600_000);
  });
});
