import type { UserRole } from '../users/role';

/** Where a request came from; carried into the audit log. */
export interface RequestOrigin {
  ip: string | null;
  requestId: string | null;
}

/**
 * The authenticated user behind a request or socket frame, with where it came from. Services
 * take it explicitly so one rule runs the same from REST, a socket or a job.
 */
export interface Caller extends RequestOrigin {
  userId: string;
  role: UserRole;
  sessionId: string;
  /**
   * Set only for a guest's login (a redeemed visit invite): the appointment it is good for.
   * Such a caller may use that visit's socket and nothing else (no REST route).
   */
  visitId?: string;
}
