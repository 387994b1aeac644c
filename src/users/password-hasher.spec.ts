import { AppError } from '../common/app-error';
import type { AppConfig } from '../config/app-config';
import { PasswordHasher } from './password-hasher';

function hasher(passwordHashConcurrency: number, passwordHashQueueLimit: number) {
  return new PasswordHasher({ passwordHashConcurrency, passwordHashQueueLimit } as AppConfig);
}

describe('PasswordHasher', () => {
  it('verifies the password it hashed, and nothing else', async () => {
    const h = hasher(1, 4);
    const hash = await h.hash('correct horse');

    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(h.verify(hash, 'correct horse')).resolves.toBe(true);
    await expect(h.verify(hash, 'wrong horse')).resolves.toBe(false);
    await expect(h.verify('not a hash', 'correct horse')).resolves.toBe(false);
  });

  it('refuses at once, with a retry hint, what would wait beyond the queue limit', async () => {
    const h = hasher(1, 2);
    const hash = await h.hash('correct horse');
    // One runs, two wait: the fourth is refused, whether a hash or a check.
    const admitted = [h.verify(hash, 'correct horse'), h.hash('a'), h.verify(hash, 'x')];
    const refused = [h.verify(hash, 'correct horse'), h.hash('b')];
    for (const attempt of refused) {
      await expect(attempt).rejects.toBeInstanceOf(AppError);
      await expect(attempt).rejects.toMatchObject({
        kind: 'unavailable',
        code: 'SERVICE_UNAVAILABLE',
        details: { retryAfterSeconds: 1 },
      });
    }
    const results = await Promise.all(admitted);
    expect(results[0]).toBe(true);
    expect(results[2]).toBe(false);
    // Once they are done, the queue takes work again.
    await expect(h.verify(hash, 'correct horse')).resolves.toBe(true);
  });

  it('with no queue, takes only as many as it runs at once', async () => {
    const h = hasher(2, 0);
    const running = [h.hash('a'), h.hash('b')];
    await expect(h.hash('c')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await Promise.all(running);
  });

  it('a check of an unknown email counts against the bound too', async () => {
    const h = hasher(1, 0);
    await h.verifyNothing('warm up the dummy hash');
    const running = h.verifyNothing('x');
    await expect(h.verifyNothing('y')).rejects.toMatchObject({ code: 'SERVICE_UNAVAILABLE' });
    await expect(running).resolves.toBe(false);
  });
});
