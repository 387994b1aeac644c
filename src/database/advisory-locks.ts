/**
 * A statement (or CTE body) that takes, until the transaction ends, one advisory lock per
 * distinct value of the array `keys` (a parameter, such as `$1::text[]`), named
 * `namespace:value`, in one sorted order: two transactions locking overlapping sets then never
 * wait on each other in a cycle. The ordered subquery takes them in that order. (The database
 * function `sockets_change`, migration 6, takes the `realtime:user` locks the same way.)
 */
export function advisoryLocksSql(namespace: string, keys: string): string {
  return `SELECT count(pg_advisory_xact_lock(hashtextextended('${namespace}:' || id, 0)))
            FROM (SELECT DISTINCT id::text AS id FROM unnest(${keys}) AS id ORDER BY 1) AS ordered`;
}
