import { Inject, Injectable } from '@nestjs/common';
import * as argon2 from 'argon2';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { Slots } from '../common/slots';
import { UsersErrors } from './users.errors';

// OWASP's argon2id recommendation: 19 MiB of memory, 2 iterations, 1 degree of parallelism.
const OPTIONS = {
  type: argon2.argon2id,
  memoryCost: 19 * 1024,
  timeCost: 2,
  parallelism: 1,
} as const;

/** What a client refused for a full queue is told to wait: the queue drains in about that. */
const BUSY_RETRY_AFTER_SECONDS = 1;

/**
 * argon2id hashing. The work runs on libuv's thread pool, off the event loop, and at most
 * `PASSWORD_HASH_CONCURRENCY` computations run at once (by default one fewer than the cores):
 * a burst of logins queues here instead of taking every core from the event loop, so sockets
 * and requests keep flowing meanwhile.
 *
 * At most `PASSWORD_HASH_QUEUE_LIMIT` more may wait. Past that, a hash is refused at once
 * (503 `SERVICE_UNAVAILABLE` with `Retry-After`): an unbounded queue let a flood of bogus
 * logins make a real user's login wait seconds behind them.
 */
@Injectable()
export class PasswordHasher {
  private dummyHash: Promise<string> | undefined;
  private readonly slots: Slots;
  private readonly capacity: number;
  /** Computations running or waiting for a slot. */
  private admitted = 0;

  constructor(@Inject(APP_CONFIG) config: AppConfig) {
    this.slots = new Slots(config.passwordHashConcurrency);
    this.capacity = config.passwordHashConcurrency + config.passwordHashQueueLimit;
  }

  /** Throws SERVICE_UNAVAILABLE when the queue is full. */
  hash(password: string): Promise<string> {
    return this.admit(() => argon2.hash(password, OPTIONS));
  }

  /** False for a wrong password or an unusable hash; throws SERVICE_UNAVAILABLE when full. */
  async verify(hash: string, password: string): Promise<boolean> {
    return this.admit(() => argon2.verify(hash, password).catch(() => false));
  }

  /**
   * Spends the same work as a real check, for logins of unknown emails, so response time does
   * not reveal whether an account exists.
   */
  async verifyNothing(password: string): Promise<false> {
    // Made once, outside the bound, so a full queue never leaves a refused promise here.
    this.dummyHash ??= this.slots.run(() => argon2.hash('televisit-timing-equaliser', OPTIONS));
    await this.verify(await this.dummyHash, password);
    return false;
  }

  private admit<T>(task: () => Promise<T>): Promise<T> {
    if (this.admitted >= this.capacity) {
      return Promise.reject(UsersErrors.busy(BUSY_RETRY_AFTER_SECONDS));
    }
    this.admitted += 1;
    return this.slots.run(task).finally(() => {
      this.admitted -= 1;
    });
  }
}
