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

/**
 * Announced between instances (on the `televisit_revocations` bus channel) when a transaction
 * that ended logins commits; every instance closes the matching sockets.
 */
export interface AccessRevokedEvent {
  userId: string;
  /** Only this login; all of the user's logins when absent. */
  sessionId?: string;
}
