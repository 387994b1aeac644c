import type { EntityManager } from 'typeorm';

/**
 * Emitted inside the transaction that disables a user, so listeners (auth revokes the user's
 * logins) commit or roll back with it.
 */
export const USER_DISABLED = 'user.disabled';
export interface UserDisabledEvent {
  userId: string;
  manager: EntityManager;
}

/** Emitted after a user's logins were ended (disabled, or logged out); live connections close. */
export const ACCESS_REVOKED = 'auth.access-revoked';
export interface AccessRevokedEvent {
  userId: string;
  /** Only this login; all of the user's logins when absent. */
  sessionId?: string;
}
