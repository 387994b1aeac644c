import type { AppConfig } from '../config/app-config';
import { PasswordHasher } from './password-hasher';

describe('PasswordHasher', () => {
  const hasher = new PasswordHasher({ passwordHashConcurrency: 1 } as AppConfig);

  it('verifies the password it hashed, and nothing else', async () => {
    const hash = await hasher.hash('correct horse');

    expect(hash).toMatch(/^\$argon2id\$/);
    await expect(hasher.verify(hash, 'correct horse')).resolves.toBe(true);
    await expect(hasher.verify(hash, 'wrong horse')).resolves.toBe(false);
    await expect(hasher.verify('not a hash', 'correct horse')).resolves.toBe(false);
  });
});
