import { FailureCount, loginRetryAfterSeconds, LoginFailures } from './login-throttle-rule';

const NOW = new Date('2030-01-01T12:00:00Z');
const LIMITS = {
  windowSeconds: 900,
  maxFailuresPerAccountAndAddress: 5,
  maxFailuresPerAccount: 100,
  maxFailuresPerAddress: 100,
};

/** `count` failures, the oldest `agoSeconds` before now. */
const failed = (count: number, agoSeconds = 60): FailureCount => ({
  count,
  oldestAt: count > 0 ? new Date(NOW.getTime() - agoSeconds * 1000) : null,
});

function wait(failures: Partial<LoginFailures>): number {
  return loginRetryAfterSeconds(
    { accountAtAddress: failed(0), account: failed(0), address: failed(0), ...failures },
    LIMITS,
    NOW,
  );
}

describe('loginRetryAfterSeconds', () => {
  it('lets a login through below every limit', () => {
    expect(wait({ accountAtAddress: failed(4), account: failed(99), address: failed(99) })).toBe(0);
  });

  it('holds an account back from the address its failures came from, until the oldest ages out', () => {
    expect(wait({ accountAtAddress: failed(5, 60), account: failed(5) })).toBe(840);
  });

  it('does not hold it back from another address', () => {
    expect(wait({ accountAtAddress: failed(0), account: failed(99) })).toBe(0);
  });

  it('holds it back everywhere at the account ceiling', () => {
    expect(wait({ accountAtAddress: failed(0), account: failed(100, 300) })).toBe(600);
  });

  it('an address past its limit refuses emails that failed from there, and only those', () => {
    expect(
      wait({ accountAtAddress: failed(1), account: failed(1), address: failed(100, 10) }),
    ).toBe(890);
    expect(wait({ accountAtAddress: failed(0), account: failed(3), address: failed(500) })).toBe(0);
  });

  it('never answers less than a second for a limit that is reached', () => {
    expect(wait({ accountAtAddress: failed(5, 900) })).toBe(1);
  });
});
