import { SessionCheckCache } from './session-check-cache';

const SESSION = '11111111-1111-4111-8111-111111111111';
const USER = '22222222-2222-4222-8222-222222222222';
const LIVE = { session: 'live', notAfter: Date.now() + 3_600_000 };

function setUp() {
  let now = 0;
  let hearing = true;
  let reads = 0;
  const cache = new SessionCheckCache<string>(
    10_000,
    () => hearing,
    () => now,
  );
  const read = (answer: typeof LIVE | 'refused' = LIVE) => {
    reads += 1;
    return Promise.resolve(answer === 'refused' ? undefined : answer);
  };
  return {
    cache,
    read,
    reads: () => reads,
    advance: (ms: number) => (now += ms),
    setHearing: (value: boolean) => (hearing = value),
  };
}

describe('SessionCheckCache', () => {
  it('reuses a live answer until it is ten seconds old', async () => {
    const t = setUp();
    expect(await t.cache.check(SESSION, USER, () => t.read())).toBe('live');
    t.advance(9_999);
    expect(await t.cache.check(SESSION, USER, () => t.read())).toBe('live');
    expect(t.reads()).toBe(1);
    t.advance(1);
    await t.cache.check(SESSION, USER, () => t.read());
    expect(t.reads()).toBe(2);
  });

  it('never reuses past the login’s own expiry', async () => {
    const t = setUp();
    const soon = { session: 'live', notAfter: Date.now() + 1_000 };
    await t.cache.check(SESSION, USER, () => t.read(soon));
    t.advance(1_500);
    await t.cache.check(SESSION, USER, () => t.read());
    expect(t.reads()).toBe(2);
  });

  it('does not keep a refusal, nor reuse an answer for another user id', async () => {
    const t = setUp();
    expect(await t.cache.check(SESSION, USER, () => t.read('refused'))).toBeUndefined();
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(SESSION, SESSION, () => t.read('refused'));
    expect(t.reads()).toBe(3);
  });

  it('forgets a login, or every login of a user, when a revocation is announced', async () => {
    const t = setUp();
    const other = '33333333-3333-4333-8333-333333333333';
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(other, USER, () => t.read());
    t.cache.forget({ userId: USER, sessionId: SESSION });
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(other, USER, () => t.read());
    expect(t.reads()).toBe(3);
    t.cache.forget({ userId: USER });
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(other, USER, () => t.read());
    expect(t.reads()).toBe(5);
  });

  it('does not store an answer read before a revocation that landed meanwhile', async () => {
    const t = setUp();
    await t.cache.check(SESSION, USER, async () => {
      t.cache.forget({ userId: USER, sessionId: SESSION });
      return t.read();
    });
    await t.cache.check(SESSION, USER, () => t.read());
    expect(t.reads()).toBe(2);
  });

  it('stores nothing for a login being revoked here until the broadcast is surely in', async () => {
    const t = setUp();
    t.cache.revoking({ userId: USER });
    // Read before the revoking transaction committed: still live in the table.
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(SESSION, USER, () => t.read());
    expect(t.reads()).toBe(2);
    t.advance(10_000);
    t.cache.sweep();
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(SESSION, USER, () => t.read());
    expect(t.reads()).toBe(3);
  });

  it('reuses nothing while the bus is not hearing, and nothing from before a gap', async () => {
    const t = setUp();
    await t.cache.check(SESSION, USER, () => t.read());
    t.setHearing(false);
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(SESSION, USER, () => t.read());
    expect(t.reads()).toBe(3);
    t.cache.clear();
    t.setHearing(true);
    await t.cache.check(SESSION, USER, () => t.read());
    await t.cache.check(SESSION, USER, () => t.read());
    expect(t.reads()).toBe(4);
  });
});
