import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { Appointment } from '../appointments/appointment.entity';
import { AuditService } from '../audit/audit.service';
import type { Caller } from '../auth/caller';
import { SessionsService } from '../auth/sessions.service';
import { Clock } from '../common/clock';
import { isPgError, PG_UNIQUE_VIOLATION } from '../database/postgres-errors';
import { UsersService } from '../users/users.service';
import type { CreateInviteDto } from './dto/create-invite.dto';
import {
  DEFAULT_INVITE_MINUTES,
  inviteExpiry,
  InviteRole,
  MAX_INVITES_PER_VISIT,
  visitTakesGuests,
} from './invite-rules';
import { InviteGate } from './invite-gate';
import { newInviteToken } from './invite-tokens';
import { InviteRow, InvitesRepository } from './invites.repository';
import { InvitesErrors } from './invites.errors';
import { CreatedInvite, InviteView, viewOf } from './invite-view';

/** Called after a revoke commits, for the account or guest the invite let in. */
export type RevocationListener = (appointmentId: string, userId: string) => Promise<void>;

/** What a seat in the visit is, for someone let in by an invite. */
export interface GuestSeat {
  inviteId: string;
  role: InviteRole;
  displayName: string;
}

/**
 * Visit invites (PRODUCT §9): the visit's clinician or an admin invites, lists and revokes;
 * signaling asks `guestSeat` who an invited caller is in the visit and hears revocations.
 * Redeeming a token is `RedeemInviteUseCase`.
 */
@Injectable()
export class InvitesService {
  private readonly logger = new Logger(InvitesService.name);
  private readonly listeners: RevocationListener[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly invites: InvitesRepository,
    private readonly gate: InviteGate,
    private readonly users: UsersService,
    private readonly sessions: SessionsService,
    private readonly audit: AuditService,
    private readonly clock: Clock,
  ) {}

  create(caller: Caller, appointmentId: string, dto: CreateInviteDto): Promise<CreatedInvite> {
    return this.gate.audited(caller, appointmentId, 'invite.created', async () => {
      const now = this.clock.now();
      const { token, hash } = newInviteToken();
      try {
        return await this.dataSource.transaction(async (manager) => {
          const visit = await this.gate.visit(caller, appointmentId, manager);
          if (!visitTakesGuests(visit.status)) {
            throw InvitesErrors.visitClosed(visit.status);
          }
          const userId = dto.userId?.toLowerCase() ?? null;
          if (userId) {
            await this.checkInvitedClinician(userId, visit, manager);
          }
          const expiresAt = inviteExpiry(
            now,
            dto.expiresInMinutes ?? DEFAULT_INVITE_MINUTES,
            visit.endsAt,
          );
          if (!expiresAt) {
            throw InvitesErrors.visitOver();
          }
          if ((await this.invites.countForVisit(visit.id, manager)) >= MAX_INVITES_PER_VISIT) {
            throw InvitesErrors.tooMany(MAX_INVITES_PER_VISIT);
          }
          const row = await this.invites.insert(
            {
              appointmentId: visit.id,
              role: dto.role,
              displayName: dto.displayName,
              userId,
              tokenHash: hash,
              createdBy: caller.userId,
              createdAt: now,
              expiresAt,
            },
            manager,
          );
          await this.record(caller, 'invite.created', row, manager);
          const created: CreatedInvite = {
            id: row.id,
            role: row.role,
            displayName: row.displayName,
            expiresAt: row.expiresAt.toISOString(),
            token,
          };
          return row.userId ? { ...created, userId: row.userId } : created;
        });
      } catch (error) {
        if (isPgError(error, PG_UNIQUE_VIOLATION, 'visit_invites_one_per_user')) {
          throw InvitesErrors.alreadyInvited();
        }
        throw error;
      }
    });
  }

  list(caller: Caller, appointmentId: string): Promise<InviteView[]> {
    return this.gate.audited(caller, appointmentId, 'invite.list', async () => {
      const visit = await this.gate.visit(caller, appointmentId);
      const now = this.clock.now();
      return (await this.invites.listForVisit(visit.id)).map((row) => viewOf(row, now));
    });
  }

  /**
   * Revoking commits first (from then on `guestSeat` refuses the invite, so nobody rejoins by
   * it); then signaling hears of it and tells the participant `session.ended` while their socket
   * is still open; then the guest's login ends (their sockets close on every instance, the token
   * stops working), even if a listener failed. Revoking again is fine and tells no one twice.
   */
  async revoke(caller: Caller, appointmentId: string, inviteId: string): Promise<void> {
    const revoked = await this.gate.audited(caller, appointmentId, 'invite.revoked', () =>
      this.dataSource.transaction(async (manager) => {
        const visit = await this.gate.visit(caller, appointmentId, manager);
        const before = await this.invites.revoke(visit.id, inviteId, this.clock.now(), manager);
        if (!before) {
          throw InvitesErrors.notFound();
        }
        if (before.revokedAt) {
          return undefined;
        }
        await this.record(caller, 'invite.revoked', before, manager);
        return before;
      }),
    );
    const holder = revoked?.guestUserId ?? revoked?.userId;
    if (!revoked || !holder) {
      return;
    }
    // Signaling first, so a guest in the visit hears `session.ended` (removed) before their
    // login ends and their sockets close. The invite is revoked already: they cannot rejoin.
    await this.tell(revoked.appointmentId, holder);
    const guest = revoked.guestUserId;
    if (guest) {
      await this.dataSource.transaction((manager) =>
        this.sessions.revokeGuests(revoked.appointmentId, 'invite_revoked', manager, guest),
      );
    }
  }

  /**
   * The host removed this guest from the visit: the invite they came in by is revoked and their
   * guest login ends, so they cannot come back. (Signaling, which removed them, is not told.)
   */
  async endAccessOf(appointmentId: string, userId: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      await this.invites.revokeHeldBy(appointmentId, userId, this.clock.now(), manager);
      await this.sessions.revokeGuests(appointmentId, 'removed', manager, userId);
    });
  }

  /**
   * The seat an invite gives `caller` in this visit, if any: a guest's own redeemed invite (their
   * login is scoped to this visit), or an account's invite, whose first use must come before it
   * expires (and is recorded as its redemption).
   */
  async guestSeat(caller: Caller, appointmentId: string): Promise<GuestSeat | undefined> {
    const id = appointmentId.toLowerCase();
    if (!UUID.test(id)) {
      return undefined;
    }
    let row: InviteRow | undefined;
    if (caller.visitId !== undefined) {
      row = caller.visitId === id ? await this.invites.guestsInvite(id, caller.userId) : undefined;
    } else {
      row = await this.invites.useAccountInvite(id, caller.userId, this.clock.now());
    }
    return row ? { inviteId: row.id, role: row.role, displayName: row.displayName } : undefined;
  }

  /** Registers a listener for revocations (signaling clears the revoked participant's seat). */
  onRevoked(listener: RevocationListener): void {
    this.listeners.push(listener);
  }

  /** Ends every guest login scoped to the visit (it has ended or closed). */
  async endGuestAccess(appointmentId: string, manager?: EntityManager): Promise<void> {
    if (manager) {
      await this.sessions.revokeGuests(appointmentId, 'visit_closed', manager);
      return;
    }
    await this.dataSource.transaction((own) =>
      this.sessions.revokeGuests(appointmentId, 'visit_closed', own),
    );
  }

  private async checkInvitedClinician(
    userId: string,
    visit: Appointment,
    manager: EntityManager,
  ): Promise<void> {
    if (userId === visit.patientId || userId === visit.clinicianId) {
      throw InvitesErrors.alreadyInVisit();
    }
    const active = await this.users.activeNames([{ id: userId, role: 'clinician' }], manager);
    if (!active.has(userId)) {
      throw InvitesErrors.unknownClinician();
    }
  }

  private record(
    caller: Caller,
    action: string,
    invite: InviteRow,
    manager: EntityManager,
  ): Promise<void> {
    return this.audit.record(
      {
        actorId: caller.userId,
        action,
        outcome: 'success',
        target: { type: 'invite', id: invite.id },
        details: { appointmentId: invite.appointmentId, role: invite.role },
        origin: caller,
      },
      manager,
    );
  }

  private async tell(appointmentId: string, userId: string): Promise<void> {
    const outcomes = await Promise.allSettled(
      this.listeners.map((listener) =>
        Promise.resolve().then(() => listener(appointmentId, userId)),
      ),
    );
    for (const outcome of outcomes) {
      if (outcome.status === 'rejected') {
        this.logger.warn(
          { err: outcome.reason as unknown, appointmentId },
          'A revocation listener failed',
        );
      }
    }
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
