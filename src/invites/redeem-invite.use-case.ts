import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AuditService } from '../audit/audit.service';
import { AccessTokens } from '../auth/access-tokens';
import type { RequestOrigin } from '../auth/caller';
import { SessionsService } from '../auth/sessions.service';
import { Clock } from '../common/clock';
import type { AppConfig } from '../config/app-config';
import { APP_CONFIG } from '../config/config.module';
import { GUEST_ROLE } from '../users/role';
import { UsersService } from '../users/users.service';
import { guestAccessUntil, redeemRefusal, redeemRetryAfterSeconds } from './invite-rules';
import { hashInviteToken } from './invite-tokens';
import { InvitesErrors } from './invites.errors';
import { InvitesRepository } from './invites.repository';

export const REDEEM_ACTION = 'invite.redeemed';

/** What redeeming answers: a token good only for the visit's socket, until the visit is over. */
export interface RedeemedInvite {
  accessToken: string;
  expiresAt: string;
  appointmentId: string;
}

/**
 * Redeeming an account-less invite (PRODUCT §9): once, before it expires, unrevoked, while its
 * visit can still take place. It creates the guest and their visit-scoped login in one
 * transaction. Every refusal gets the same answer, so a token's holder learns nothing about
 * why; the audit log keeps the reason.
 */
@Injectable()
export class RedeemInviteUseCase {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invites: InvitesRepository,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly accessTokens: AccessTokens,
    private readonly audit: AuditService,
    private readonly clock: Clock,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async redeem(token: string, origin: RequestOrigin): Promise<RedeemedInvite> {
    await this.throttle(origin);
    const now = this.clock.now();
    const outcome = await this.dataSource.transaction(async (manager) => {
      const invite = await this.invites.lockByToken(hashInviteToken(token), manager);
      const refusal = invite ? redeemRefusal(invite, now) : 'unknown';
      if (!invite || refusal) {
        return { kind: 'refused' as const, invite, reason: refusal ?? 'unknown' };
      }
      const guestId = await this.users.createGuest(invite.displayName, manager);
      if (!(await this.invites.markRedeemed(invite.id, guestId, now, manager))) {
        throw new Error('An invite locked as redeemable could not be redeemed');
      }
      const notAfter = guestAccessUntil(invite.visitEndsAt);
      const sessionId = await this.sessions.startGuest(
        guestId,
        invite.appointmentId,
        notAfter,
        manager,
      );
      await this.audit.record(
        {
          actorId: guestId,
          action: REDEEM_ACTION,
          outcome: 'success',
          target: { type: 'invite', id: invite.id },
          details: { appointmentId: invite.appointmentId, role: invite.role },
          origin,
        },
        manager,
      );
      const accessToken = await this.accessTokens.sign(
        { sessionId, userId: guestId, role: GUEST_ROLE, visitId: invite.appointmentId },
        notAfter,
      );
      return {
        kind: 'redeemed' as const,
        redeemed: {
          accessToken,
          expiresAt: notAfter.toISOString(),
          appointmentId: invite.appointmentId,
        },
      };
    });
    if (outcome.kind === 'redeemed') {
      return outcome.redeemed;
    }
    const { invite, reason } = outcome;
    await this.audit.record({
      actorId: null,
      action: REDEEM_ACTION,
      outcome: 'failure',
      ...(invite ? { target: { type: 'invite', id: invite.id } } : {}),
      details: invite
        ? { reason, appointmentId: invite.appointmentId, role: invite.role }
        : { reason },
      origin,
    });
    throw InvitesErrors.notRedeemable();
  }

  /** Failed redeems are counted per address from the audit log (every instance sees them). */
  private async throttle(origin: RequestOrigin): Promise<void> {
    if (!origin.ip) {
      return;
    }
    const { windowSeconds, maxFailuresPerAddress } = this.config.loginThrottle;
    const now = this.clock.now();
    const failures = await this.audit.recentCount(
      REDEEM_ACTION,
      ['failure'],
      new Date(now.getTime() - windowSeconds * 1000),
      { ip: origin.ip },
    );
    const retryAfter = redeemRetryAfterSeconds(
      failures,
      { windowSeconds, maxFailuresPerAddress },
      now,
    );
    if (retryAfter > 0) {
      throw InvitesErrors.tooManyAttempts(retryAfter);
    }
  }
}
