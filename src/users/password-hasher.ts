import { Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';

// OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 degree of parallelism.
const OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

/** argon2id hashing; the work runs on libuv's thread pool, off the event loop. */
@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;

  hash(password: string): Promise<string> {
    return argon2.hash(password, OPTIONS);
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await argon2.verify(hash, password);
    } catch {
      return false;
    }
  }

  /**
   * Spends the same work as a real check, for logins of unknown emails, so response time does
   * not reveal whether an account exists.
   */
  async verifyNothing(password: string): Promise<false> {
    this.dummyHash ??= this.hash('televisit-timing-equaliser');
    await this.verify(await this.dummyHash, password);
    return false;
  }
}
