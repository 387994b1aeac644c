import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Slots } from '../common/slots';

// OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 degree of parallelism.
const OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

/**
 * argon2id hashing. The work runs on libuv's thread pool, off the event loop, and at most
 * `PASSWORD_HASH_CONCURRENCY` computations run at once (by default one fewer than the cores):
 * a burst of logins queues here instead of taking every core from the event loop, so sockets
 * and requests keep flowing meanwhile.
 */
@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly slots: Slots;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.slots = new Slots(config.passwordHashConcurrency);
  }

  hash(password: string): Promise<string> {
    return this.slots.run(() => argon2.hash(password, OPTIONS));
  }

  async verify(hash: string, password: string): Promise<boolean> {
    try {
      return await this.slots.run(() => argon2.verify(hash, password));
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
