import type { EntityManager } from 'typeorm';

/**
 * Locks users' live state (their sockets, presence and what watchers were told) until the
 * transaction ends, in one fixed order so that two transactions never wait on each other.
 * Every change to that state takes it, so presence is computed and announced one change at a
 * time, and announcements reach instances in the order the changes committed.
 */
export async function lockUsers(manager: EntityManager, userIds: Iterable<string>): Promise<void> {
  for (const userId of [...new Set(userIds)].sort()) {
    await manager.query(`SELECT pg_advisory_xact_lock(hashtextextended($1, 0))`, [
      `realtime:user:${userId}`,
    ]);
  }
}
