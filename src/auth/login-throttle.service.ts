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

  /** Seconds until another attempt may be made, or 0 if one may be made now. */
  async retryAfterSeconds(email: string, ip: string | null): Promise<number> {
    const { windowSeconds, maxFailuresPerAccount, maxFailuresPerAddress } =
      this.config.loginThrottle;
    const now = this.clock.now();
    const since = new Date(now.getTime() - windowSeconds * 1000);
    const checks = [this.audit.recentFailures(LOGIN_ACTION, since, { email })];
    const limits = [maxFailuresPerAccount];
    if (ip) {
      checks.push(this.audit.recentFailures(LOGIN_ACTION, since, { ip }));
      limits.push(maxFailuresPerAddress);
    }
    const results = await Promise.all(checks);
    let wait = 0;
    results.forEach(({ count, oldestAt }, i) => {
      if (count >= limits[i] && oldestAt) {
        const freeAt = oldestAt.getTime() + windowSeconds * 1000;
        wait = Math.max(wait, Math.ceil((freeAt - now.getTime()) / 1000));
      }
    });
    return Math.max(wait, 0);
  }
}
