import { performance } from 'node:perf_hooks';
import type { AccessRevokedEvent } from '../users/user-events';

/** A login found live, and until when that answer may be reused (this process's clock, ms). */
interface Entry<T> {
  session: T;
  userId: string;
  until: number;
}

/**
 * Logins recently found live, so most requests and socket upgrades are authenticated without a
 * database round trip. Reusing an answer is safe because every revocation is broadcast on the
 * bus when its transaction commits:
 *
 * - a revocation made here drops its entries before it commits (`revoking`), and blocks new
 *   ones for that login or user until the broadcast is surely in (`ttlMs`);
 * - a broadcast from anywhere drops its entries (`forget`);
 * - an answer read before a revocation is never stored after it (`generation`);
 * - nothing is reused while the bus listener is not hearing (`hearing`), and everything is
 *   dropped after a gap (`clear`);
 * - an answer is reused for at most `ttlMs`, which bounds what a listener that died without
 *   saying so could miss.
 */
export class SessionCheckCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Logins (`s:<id>`) and users (`u:<id>`) whose revocation may not have committed yet. */
  private readonly blocked = new Map<string, number>();
  private generation = 0;

  constructor(
    private readonly ttlMs: number,
    private readonly hearing: () => boolean,
    private readonly now: () => number = () => performance.now(),
  ) {}

  /**
   * The login's state: reused when known live and fresh, else read (and kept when live).
   * `notAfter` is when the login itself expires (epoch ms).
   */
  async check(
    sessionId: string,
    userId: string,
    read: () => Promise<{ session: T; notAfter: number } | undefined>,
  ): Promise<T | undefined> {
    const cached = this.entries.get(sessionId);
    if (cached && cached.userId === userId && cached.until > this.now() && this.hearing()) {
      return cached.session;
    }
    const generation = this.generation;
    const found = await read();
    if (!found) {
      this.entries.delete(sessionId);
      return undefined;
    }
    if (generation === this.generation && this.hearing() && !this.isBlocked(sessionId, userId)) {
      const untilExpiry = found.notAfter - Date.now();
      this.entries.set(sessionId, {
        session: found.session,
        userId,
        until: this.now() + Math.min(this.ttlMs, untilExpiry),
      });
    }
    return found.session;
  }

  /** Inside a transaction that revokes: nothing for these logins is reused from now on. */
  revoking(event: AccessRevokedEvent): void {
    this.blocked.set(keyOf(event), this.now() + this.ttlMs);
    this.forget(event);
  }

  /** A revocation committed (here or on another instance). */
  forget(event: AccessRevokedEvent): void {
    this.generation += 1;
    if (event.sessionId) {
      this.entries.delete(event.sessionId);
      return;
    }
    for (const [sessionId, entry] of this.entries) {
      if (entry.userId === event.userId) {
        this.entries.delete(sessionId);
      }
    }
  }

  /** The bus had a gap: revocations may have been missed. */
  clear(): void {
    this.generation += 1;
    this.entries.clear();
  }

  /** Drops what has aged out, so the maps hold only recently active logins. */
  sweep(): void {
    const now = this.now();
    for (const [sessionId, entry] of this.entries) {
      if (entry.until <= now) {
        this.entries.delete(sessionId);
      }
    }
    for (const [key, until] of this.blocked) {
      if (until <= now) {
        this.blocked.delete(key);
      }
    }
  }

  private isBlocked(sessionId: string, userId: string): boolean {
    const now = this.now();
    return [`s:${sessionId}`, `u:${userId}`].some((key) => (this.blocked.get(key) ?? 0) > now);
  }
}

function keyOf(event: AccessRevokedEvent): string {
  return event.sessionId ? `s:${event.sessionId}` : `u:${event.userId}`;
}
