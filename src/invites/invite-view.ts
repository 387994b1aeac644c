import { InviteRole, InviteStatus, inviteStatus } from './invite-rules';
import type { InviteRow } from './invites.repository';

/** An invite as listed: never its token (only its hash is kept). */
export interface InviteView {
  id: string;
  role: InviteRole;
  displayName: string;
  userId: string | null;
  expiresAt: string;
  createdAt: string;
  redeemedAt: string | null;
  revokedAt: string | null;
  status: InviteStatus;
}

/** A new invite: the one time its token is shown. */
export interface CreatedInvite {
  id: string;
  role: InviteRole;
  displayName: string;
  expiresAt: string;
  token: string;
  userId?: string;
}

export function viewOf(row: InviteRow, now: Date): InviteView {
  return {
    id: row.id,
    role: row.role,
    displayName: row.displayName,
    userId: row.userId,
    expiresAt: row.expiresAt.toISOString(),
    createdAt: row.createdAt.toISOString(),
    redeemedAt: row.redeemedAt?.toISOString() ?? null,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    status: inviteStatus(row, now),
  };
}
