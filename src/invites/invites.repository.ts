import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import type { AppointmentStatus } from '../appointments/appointment-status';
import { sql } from '../database/sql';
import type { InviteRole } from './invite-rules';

/** A `visit_invites` row, named as the code names it (never the token's hash). */
export interface InviteRow {
  id: string;
  appointmentId: string;
  role: InviteRole;
  displayName: string;
  userId: string | null;
  guestUserId: string | null;
  createdAt: Date;
  expiresAt: Date;
  redeemedAt: Date | null;
  revokedAt: Date | null;
}

/** An invite found by its token, with what redeeming it depends on about its visit. */
export interface RedeemableRow extends InviteRow {
  visitStatus: AppointmentStatus;
  visitEndsAt: Date;
}

const COLUMNS = `
  i.id, i.appointment_id AS "appointmentId", i.role, i.display_name AS "displayName",
  i.user_id AS "userId", i.guest_user_id AS "guestUserId", i.created_at AS "createdAt",
  i.expires_at AS "expiresAt", i.redeemed_at AS "redeemedAt", i.revoked_at AS "revokedAt"`;

/** The SQL of `visit_invites`. Times are the service clock's, passed in. */
@Injectable()
export class InvitesRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async countForVisit(appointmentId: string, manager: EntityManager): Promise<number> {
    const [{ count }] = await sql<{ count: number }>(
      manager,
      `SELECT count(*)::int AS count FROM visit_invites WHERE appointment_id = $1`,
      [appointmentId],
    );
    return count;
  }

  async insert(
    invite: {
      appointmentId: string;
      role: InviteRole;
      displayName: string;
      userId: string | null;
      tokenHash: string;
      createdBy: string;
      createdAt: Date;
      expiresAt: Date;
    },
    manager: EntityManager,
  ): Promise<InviteRow> {
    const [row] = await sql<InviteRow>(
      manager,
      `INSERT INTO visit_invites AS i (appointment_id, role, display_name, user_id, token_hash,
                                       created_by, created_at, expires_at)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ${COLUMNS}`,
      [
        invite.appointmentId,
        invite.role,
        invite.displayName,
        invite.userId,
        invite.tokenHash,
        invite.createdBy,
        invite.createdAt,
        invite.expiresAt,
      ],
    );
    return row;
  }

  listForVisit(appointmentId: string): Promise<InviteRow[]> {
    return sql<InviteRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM visit_invites i WHERE i.appointment_id = $1
        ORDER BY i.created_at, i.id`,
      [appointmentId],
    );
  }

  /** Revokes one invite of the visit; answers it as it was before (undefined: no such invite). */
  async revoke(
    appointmentId: string,
    inviteId: string,
    now: Date,
    manager: EntityManager,
  ): Promise<InviteRow | undefined> {
    const [row] = await sql<InviteRow>(
      manager,
      `WITH before AS (
         SELECT ${COLUMNS} FROM visit_invites i
          WHERE i.id = $1 AND i.appointment_id = $2 FOR UPDATE),
       revoked AS (
         UPDATE visit_invites SET revoked_at = greatest($3::timestamptz, created_at)
          WHERE id = (SELECT id FROM before) AND revoked_at IS NULL)
       SELECT * FROM before`,
      [inviteId, appointmentId, now],
    );
    return row;
  }

  /** Revokes the invites this user holds for the visit (the host removed them from it). */
  async revokeHeldBy(
    appointmentId: string,
    userId: string,
    now: Date,
    manager: EntityManager,
  ): Promise<void> {
    await sql(
      manager,
      `UPDATE visit_invites SET revoked_at = greatest($3::timestamptz, created_at)
        WHERE appointment_id = $1 AND (guest_user_id = $2 OR user_id = $2) AND revoked_at IS NULL`,
      [appointmentId, userId, now],
    );
  }

  /**
   * Locks the invite holding this token (and, shared, its appointment, so the visit cannot close
   * between the check and the guest's login).
   */
  async lockByToken(tokenHash: string, manager: EntityManager): Promise<RedeemableRow | undefined> {
    const [row] = await sql<RedeemableRow>(
      manager,
      `SELECT ${COLUMNS}, a.status AS "visitStatus", a.ends_at AS "visitEndsAt"
         FROM visit_invites i JOIN appointments a ON a.id = i.appointment_id
        WHERE i.token_hash = $1
        FOR UPDATE OF i FOR SHARE OF a`,
      [tokenHash],
    );
    return row;
  }

  async markRedeemed(
    inviteId: string,
    guestUserId: string,
    now: Date,
    manager: EntityManager,
  ): Promise<boolean> {
    const rows = await sql<{ id: string }>(
      manager,
      `UPDATE visit_invites SET guest_user_id = $2, redeemed_at = greatest($3::timestamptz, created_at)
        WHERE id = $1 AND redeemed_at IS NULL AND revoked_at IS NULL AND user_id IS NULL
        RETURNING id`,
      [inviteId, guestUserId, now],
    );
    return rows.length === 1;
  }

  /** The redeemed, unrevoked invite that made this guest, to this visit. */
  async guestsInvite(appointmentId: string, guestUserId: string): Promise<InviteRow | undefined> {
    const [row] = await sql<InviteRow>(
      this.dataSource.manager,
      `SELECT ${COLUMNS} FROM visit_invites i
        WHERE i.appointment_id = $1 AND i.guest_user_id = $2
          AND i.redeemed_at IS NOT NULL AND i.revoked_at IS NULL`,
      [appointmentId, guestUserId],
    );
    return row;
  }

  /**
   * An account's live invite to this visit, used: its first use must come before it expires,
   * and is recorded (in the same statement, so two first uses cannot both pass the expiry).
   */
  async useAccountInvite(
    appointmentId: string,
    userId: string,
    now: Date,
  ): Promise<InviteRow | undefined> {
    const [row] = await sql<InviteRow>(
      this.dataSource.manager,
      `UPDATE visit_invites AS i
          SET redeemed_at = coalesce(i.redeemed_at, greatest($3::timestamptz, i.created_at))
        WHERE i.appointment_id = $1 AND i.user_id = $2 AND i.revoked_at IS NULL
          AND (i.redeemed_at IS NOT NULL OR i.expires_at > $3)
        RETURNING ${COLUMNS}`,
      [appointmentId, userId, now],
    );
    return row;
  }
}
