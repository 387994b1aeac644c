import type { AppointmentStatus } from '../appointments/appointment-status';

export const INVITE_ROLES = ['interpreter', 'caregiver', 'clinician'] as const;
export type InviteRole = (typeof INVITE_ROLES)[number];

export type InviteStatus = 'pending' | 'redeemed' | 'expired' | 'revoked';

/** Minutes an invite is good for when the inviter does not say (PRODUCT is silent; see decisions.md). */
export const DEFAULT_INVITE_MINUTES = 60;
export const MAX_INVITE_MINUTES = 24 * 60;

/** Invites one visit may have in all, revoked ones included: a bound on the list, not a rule of care. */
export const MAX_INVITES_PER_VISIT = 20;

/** A guest's login outlasts the visit's booked end by this much (an overrunning visit). */
export const GUEST_ACCESS_AFTER_END_MS = 60 * 60 * 1000;

/** Only a visit that can still take place takes guests. */
export function visitTakesGuests(status: AppointmentStatus): boolean {
  return status === 'scheduled' || status === 'in_progress';
}

/**
 * What an invite is now. Revoked wins (it is the inviter's last word), then used, then
 * out of time. An account's invite counts as redeemed from its first use.
 */
export function inviteStatus(
  invite: { expiresAt: Date; redeemedAt: Date | null; revokedAt: Date | null },
  now: Date,
): InviteStatus {
  if (invite.revokedAt) {
    return 'revoked';
  }
  if (invite.redeemedAt) {
    return 'redeemed';
  }
  return invite.expiresAt.getTime() > now.getTime() ? 'pending' : 'expired';
}

/**
 * When a new invite stops working: `minutes` from now, but never after the visit's booked end
 * (an invite to a visit that is over would only be a live token for nothing). Undefined when
 * the visit's end is already past: there is nothing left to invite to.
 */
export function inviteExpiry(now: Date, minutes: number, visitEndsAt: Date): Date | undefined {
  const wanted = now.getTime() + minutes * 60_000;
  const expiresAt = Math.min(wanted, visitEndsAt.getTime());
  return expiresAt > now.getTime() ? new Date(expiresAt) : undefined;
}

/** Until when a guest's login (and its only access token) is good. */
export function guestAccessUntil(visitEndsAt: Date): Date {
  return new Date(visitEndsAt.getTime() + GUEST_ACCESS_AFTER_END_MS);
}

/**
 * Whether the caller may invite to (and list, revoke the invites of) a visit they can see: the
 * visit's own clinician, or an admin. The patient may see the visit but not bring others in.
 */
export function mayManageInvites(
  caller: { userId: string; role: string },
  visit: { clinicianId: string },
): boolean {
  return caller.userId === visit.clinicianId || caller.role === 'admin';
}

/**
 * Seconds until another redeem may be tried from an address, 0 if now. Tokens are 256 random
 * bits, so this is not about guessing: it keeps a client hammering with bad tokens from costing
 * the service a transaction each (the login throttle's per-address limit and window).
 */
export function redeemRetryAfterSeconds(
  failures: { count: number; oldestAt: Date | null },
  limits: { windowSeconds: number; maxFailuresPerAddress: number },
  now: Date,
): number {
  if (failures.count < limits.maxFailuresPerAddress) {
    return 0;
  }
  const freeAt = (failures.oldestAt?.getTime() ?? now.getTime()) + limits.windowSeconds * 1000;
  return Math.max(Math.ceil((freeAt - now.getTime()) / 1000), 1);
}

export type RedeemRefusal =
  'for_account' | 'revoked' | 'used' | 'expired' | 'visit_closed' | 'visit_over';

/**
 * Why an invite cannot be redeemed now, or undefined if it can: once, by someone without an
 * account (an account's invite is used with its own login), before it expires, unrevoked, while
 * its visit can still take place and its guest access would not be over already.
 */
export function redeemRefusal(
  invite: {
    userId: string | null;
    expiresAt: Date;
    redeemedAt: Date | null;
    revokedAt: Date | null;
    visitStatus: AppointmentStatus;
    visitEndsAt: Date;
  },
  now: Date,
): RedeemRefusal | undefined {
  if (invite.userId) {
    return 'for_account';
  }
  if (invite.revokedAt) {
    return 'revoked';
  }
  if (invite.redeemedAt) {
    return 'used';
  }
  if (invite.expiresAt.getTime() <= now.getTime()) {
    return 'expired';
  }
  if (!visitTakesGuests(invite.visitStatus)) {
    return 'visit_closed';
  }
  if (guestAccessUntil(invite.visitEndsAt).getTime() <= now.getTime()) {
    return 'visit_over';
  }
  return undefined;
}
