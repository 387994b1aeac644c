import type { Caller } from '../auth/caller';
import type { VisitGuest } from '../appointments/visit-lifecycle.service';

/**
 * The visit core's port to invites (PRODUCT §9): whether a caller is a guest of a visit, and
 * news of an invite revoked. The invites module provides it; the core never reads invites.
 */
export const VISIT_GUESTS = Symbol('VISIT_GUESTS');

export interface VisitGuests {
  guestSeat(caller: Caller, appointmentId: string): Promise<VisitGuest | undefined>;
  /** Called once a revoke has committed, for the guest who held (or may hold) the invite. */
  onRevoked(listener: (appointmentId: string, userId: string) => Promise<void>): void;
  /** Guest tokens of the visit stop working: it is over. */
  endGuestAccess(appointmentId: string): Promise<void>;
  /** The host removed this guest: their invite and guest login end. */
  endAccessOf(appointmentId: string, userId: string): Promise<void>;
}
