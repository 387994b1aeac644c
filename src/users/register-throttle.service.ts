import { Inject, Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import type { RequestOrigin } from '../auth/caller';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { UsersErrors } from './users.errors';

export const REGISTER_ACTION = 'user.register';

/**
 * Self-registrations per address, counted from the audit log like failed logins (so every
 * instance agrees). Each one costs an argon2 hash, and each is a new account to abuse, so an
 * address gets `REGISTER_MAX_PER_ADDRESS` per window. Attempts refused for a taken email count
 * too (they cost the hash); refused ones do not, so the window really ends.
 */
@Injectable()
export class RegisterThrottleService {
  /** Registrations being made right now on this instance, by address. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  /**
   * Lets a registration from this origin go ahead, or throws TOO_MANY_REGISTRATIONS. Call the
   * returned function once it is recorded (or has failed); until then it counts as under way,
   * so a parallel burst cannot all pass before the first is recorded.
   */
  async admit(origin: RequestOrigin): Promise<() => void> {
    const { ip } = origin;
    if (!ip) {
      return () => undefined;
    }
    const othersUnderWay = this.inFlight.get(ip) ?? 0;
    this.inFlight.set(ip, othersUnderWay + 1);
    let released = false;
    const release = () => {
      if (released) {
        return;
      }
      released = true;
      const left = (this.inFlight.get(ip) ?? 1) - 1;
      if (left > 0) {
        this.inFlight.set(ip, left);
      } else {
        this.inFlight.delete(ip);
      }
    };
    try {
      const retryAfter = await this.retryAfterSeconds(ip, othersUnderWay);
      if (retryAfter > 0) {
        await this.audit.record({
          actorId: null,
          action: REGISTER_ACTION,
          outcome: 'denied',
          details: { reason: 'throttled' },
          origin,
        });
        throw UsersErrors.tooManyRegistrations(retryAfter);
      }
    } catch (error) {
      release();
      throw error;
    }
    return release;
  }

  private async retryAfterSeconds(ip: string, othersUnderWay: number): Promise<number> {
    const { windowSeconds, maxPerAddress } = this.config.registerThrottle;
    const now = this.clock.now();
    const since = new Date(now.getTime() - windowSeconds * 1000);
    const recent = await this.audit.recentCount(REGISTER_ACTION, ['success', 'failure'], since, {
      ip,
    });
    if (recent.count + othersUnderWay < maxPerAddress) {
      return 0;
    }
    const freeAt = (recent.oldestAt?.getTime() ?? now.getTime()) + windowSeconds * 1000;
    return Math.max(Math.ceil((freeAt - now.getTime()) / 1000), 1);
  }
}
