import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { FailureCount, loginRetryAfterSeconds } from './login-throttle-rule';

export const LOGIN_ACTION = 'auth.login';

/**
 * Failed logins are counted from the audit log, so every instance sees the same numbers and a
 * restart forgets nothing. The rule itself is `loginRetryAfterSeconds`: an account allows few
 * failures from one address and many from all together; an address past its own limit holds
 * back only the emails that failed from there. Only failures count, so staff who log in fine
 * are never slowed by a colleague's typos.
 */
@Injectable()
export class LoginThrottleService {
  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /** Attempts being checked right now on this instance (argon2 takes a while), by key. */
  private readonly inFlight = new Map<string, number>();

  /**
   * Marks an attempt for `email` from `ip` as under way until the returned function is called.
   * Attempts under way count against the account's limits, so a burst of parallel guesses
   * cannot all pass the check before the first failure is recorded.
   */
  enter(email: string, ip: string | null): () => void {
    const keys = [accountKey(email), accountAtAddressKey(email, ip)];
    for (const key of keys) {
      this.inFlight.set(key, (this.inFlight.get(key) ?? 0) + 1);
    }
    let released = false;
    return () => {
      if (released) {
        return;
      }
      released = true;
      for (const key of keys) {
        const left = (this.inFlight.get(key) ?? 1) - 1;
        if (left > 0) {
          this.inFlight.set(key, left);
        } else {
          this.inFlight.delete(key);
        }
      }
    };
  }

  /** Seconds until another attempt may be made, or 0 if one may be made now. */
  async retryAfterSeconds(email: string, ip: string | null): Promise<number> {
    const limits = this.config.loginThrottle;
    const now = this.clock.now();
    const since = new Date(now.getTime() - limits.windowSeconds * 1000);
    // Read before the failures: an attempt that ends meanwhile has recorded its failure before
    // leaving, so it is counted at least once (read after, it could slip between the two).
    const othersAtAccount = this.othersUnderWay(accountKey(email));
    const othersAtAccountHere = this.othersUnderWay(accountAtAddressKey(email, ip));
    const none: FailureCount = { count: 0, oldestAt: null };
    const [account, accountAtAddress, address] = await Promise.all([
      this.audit.recentFailures(LOGIN_ACTION, since, { email }),
      ip ? this.audit.recentFailures(LOGIN_ACTION, since, { email, ip }) : undefined,
      ip ? this.audit.recentFailures(LOGIN_ACTION, since, { ip }) : none,
    ]);
    return loginRetryAfterSeconds(
      {
        account: plus(account, othersAtAccount),
        // Without an address, the account's own count is the strictest stand-in.
        accountAtAddress: plus(accountAtAddress ?? account, othersAtAccountHere),
        address,
      },
      limits,
      now,
    );
  }

  private othersUnderWay(key: string): number {
    return (this.inFlight.get(key) ?? 1) - 1;
  }
}

function accountKey(email: string): string {
  return `account:${email}`;
}

function accountAtAddressKey(email: string, ip: string | null): string {
  return `here:${ip ?? ''}:${email}`;
}

function plus(failures: FailureCount, underWay: number): FailureCount {
  return { count: failures.count + underWay, oldestAt: failures.oldestAt };
}
