import type { EntityManager } from 'typeorm';
import { advisoryLocksSql } from '../database/advisory-locks';

/** The users each open transaction already holds (a transaction's manager is its own). */
const held = new WeakMap<EntityManager, Set<string>>();

/**
 * Locks users' live state (their sockets, presence and what watchers were told) until the
 * transaction ends, in one fixed order so that two transactions never wait on each other.
 * Every change to that state takes it, so presence is computed and announced one change at a
 * time, and announcements reach instances in the order the changes committed. Users this
 * transaction already holds are not asked for again.
 */
export async function lockUsers(manager: EntityManager, userIds: Iterable<string>): Promise<void> {
  const mine = held.get(manager) ?? new Set<string>();
  held.set(manager, mine);
  const wanted = [...new Set(userIds)].filter((id) => !mine.has(id)).sort();
  if (wanted.length === 0) {
    return;
  }
  await manager.query(advisoryLocksSql('realtime:user', '$1::text[]'), [wanted]);
  wanted.forEach((id) => mine.add(id));
}
