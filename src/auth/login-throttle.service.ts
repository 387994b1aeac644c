import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';

export const LOGIN_ACTION = 'auth.login';

/**
 * Failed logins are counted from the audit log, so every instance sees the same numbers and a
 * restart forgets nothing. An account allows few failures; an address allows many, because a
 * whole clinic may sit behind one. Only failures count, so staff who log in fine are never
 * slowed by a colleague's typos.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Attempts per account being checked right now on this instance (argon2 takes a while). */
  private readonly inFlight = new Map<string, number>();

  /**
   * Marks an attempt for `email` as under way until the returned function is called. Attempts
   * under way count against the account's limit, so a burst of parallel guesses cannot all pass
   * the check before the first failure is recorded.
   */
  enter(email: string): () => void {
    this.inFlight.set(email, (this.inFlight.get(email) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      const left = (this.inFlight.get(email) ?? 1) - 1;
      if (left > 0) {
        this.inFlight.set(email, left);
      } else {
        this.inFlight.delete(email);
      }
    };
  }

  /** Seconds until another attempt may be made, or 0 if one may be made now. */
  async retryAfterSeconds(email: string, ip: string | null): Promise<number> {
    const { windowSeconds, maxFailuresPerAccount, maxFailuresPerAddress } =
      this.config.loginThrottle;
    const now = this.clock.now();
    const since = new Date(now.getTime() - windowSeconds * 1000);
    // Read before the failures: an attempt that ends meanwhile has recorded its failure before
    // leaving, so it is counted at least once (read after, it could slip between the two).
    const othersUnderWay = (this.inFlight.get(email) ?? 1) - 1;
    const [account, address] = await Promise.all([
      this.audit.recentFailures(LOGIN_ACTION, since, { email }),
      ip ? this.audit.recentFailures(LOGIN_ACTION, since, { ip }) : undefined,
    ]);
    const waits = [
      waitFor(account.count + othersUnderWay, maxFailuresPerAccount, account.oldestAt),
      address ? waitFor(address.count, maxFailuresPerAddress, address.oldestAt) : 0,
    ];
    return Math.max(...waits);

    function waitFor(count: number, limit: number, oldestAt: Date | null): number {
      if (count < limit) {
        return 0;
      }
      const freeAt = (oldestAt?.getTime() ?? now.getTime()) + windowSeconds * 1000;
      return Math.max(Math.ceil((freeAt - now.getTime()) / 1000), 1);
    }
  }
}
