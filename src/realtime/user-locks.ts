import type { EntityManager } from 'typeorm';
import { withoutWaitingForDisk } from '../database/sql';

/** The users each open transaction already holds (a transaction's manager is its own). */
const held = new WeakMap<EntityManager, Set<string>>();

/**
 * Locks users' live state (their sockets, presence and what watchers were told) until the
 * transaction ends, in one fixed order so that two transactions never wait on each other.
 * Every change to that state takes it, so presence is computed and announced one change at a
 * time, and announcements reach instances in the order the changes committed. Users this
 * transaction already holds are not asked for again.
 */
export async function lockUsers(
  manager: EntityManager,
  userIds: Iterable<string>,
  options: { withoutWaitingForDisk?: boolean } = {},
): Promise<void> {
  const mine = held.get(manager) ?? new Set<string>();
  held.set(manager, mine);
  const wanted = [...new Set(userIds)].filter((id) => !mine.has(id)).sort();
  if (wanted.length === 0) {
    if (options.withoutWaitingForDisk) {
      await withoutWaitingForDisk(manager);
    }
    return;
  }
  // One statement; the ordered subquery takes the locks in that order. Live-state changes
  // (sockets, presence) also say here that their commit need not wait for the disk (see
  // `withoutWaitingForDisk`), saving a round trip.
  const noDiskWait = options.withoutWaitingForDisk
    ? `set_config('synchronous_commit', 'off', true), `
    : '';
  await manager.query(
    `SELECT ${noDiskWait}count(pg_advisory_xact_lock(hashtextextended('realtime:user:' || id, 0)))
       FROM (SELECT id FROM unnest($1::text[]) AS id ORDER BY id) AS ordered`,
    [wanted],
  );
  wanted.forEach((id) => mine.add(id));
}
