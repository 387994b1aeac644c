import type { EntityManager } from 'typeorm';
import { advisoryLocksSql } from '../database/advisory-locks';

/** Takes the diary locks of the people in the text array parameter `$n` (see lockDiaries). */
export function diaryLocksSql(n: number): string {
  return advisoryLocksSql('appointments:diary', `$${n}::text[]`);
}

/**
 * Locks, until the transaction ends, the diaries of the people a write puts at a time, in one
 * fixed order. Writes for the same clinician or patient then queue here, one at a time, instead
 * of meeting inside the exclusion constraints' check: there, two uncommitted overlapping rows
 * wait on each other and Postgres breaks the tie as a deadlock, after a one-second stall, once
 * per pair (20 patients racing for one slot took tens of seconds and still ended in 500s).
 * The constraints still decide who gets the slot; this only keeps the losers from deadlocking.
 * (A write can also take them in its own statement, as a CTE of `diaryLocksSql`: the
 * constraints' check reads what is committed when it runs, after the locks.)
 */
export async function lockDiaries(manager: EntityManager, userIds: string[]): Promise<void> {
  await manager.query(diaryLocksSql(1), [userIds]);
}
