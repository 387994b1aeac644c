import type { Role } from '../users/role';

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
  role: Role;
  sessionId: string;
  /** Set only for a guest's token: the one visit (appointment id) it is good for. */
  visitId?: string;
}
