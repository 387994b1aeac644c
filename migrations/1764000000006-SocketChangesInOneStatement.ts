import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Presence and the socket directory as database functions, so that the busiest live-state
 * change, sockets opening and closing, is one round trip: lock the users, count and insert or
 * delete their sockets, record their presence and broadcast what changed, all in one call.
 * (Each statement of a PL/pgSQL function reads a fresh snapshot, so the counts and statuses
 * read after the locks see every change committed before them, as separate statements would.)
 */
export class SocketChangesInOneStatement1764000000006 implements MigrationInterface {
  name = 'SocketChangesInOneStatement1764000000006';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Times as the API writes them (JavaScript's toISOString).
    await queryRunner.query(`
      CREATE FUNCTION iso_time(t timestamptz) RETURNS text LANGUAGE sql IMMUTABLE AS $$
        SELECT to_char(t AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
      $$`);
    // The users a user may see the presence of, and be seen by: the other side of a visit in
    // progress, or of a scheduled one that is on or starts within `horizon` of `at`.
    await queryRunner.query(`
      CREATE FUNCTION appointment_contacts(user_ids uuid[], at timestamptz, horizon interval)
        RETURNS TABLE (user_id uuid, contact uuid) LANGUAGE sql STABLE AS $$
        SELECT DISTINCT u.id,
               CASE WHEN a.patient_id = u.id THEN a.clinician_id ELSE a.patient_id END
          FROM unnest(user_ids) AS u (id)
          JOIN appointments a ON a.patient_id = u.id OR a.clinician_id = u.id
         WHERE a.status = 'in_progress'
            OR (a.status = 'scheduled' AND a.starts_at <= at + horizon AND a.ends_at > at)
      $$`);
    // Users' statuses from every instance's state: offline without a socket anywhere, in_call
    // while admitted in a visit whose other side is admitted and connected, otherwise what they
    // chose; with what their watchers were last told.
    await queryRunner.query(`
      CREATE FUNCTION presence_status(user_ids uuid[])
        RETURNS TABLE (user_id uuid, status text, last_seen_at timestamptz, announced text)
        LANGUAGE sql STABLE AS $$
        SELECT u.id,
               CASE
                 WHEN NOT EXISTS (SELECT 1 FROM sockets s WHERE s.user_id = u.id) THEN 'offline'
                 WHEN EXISTS (
                   SELECT 1
                     FROM visit_seats me
                     JOIN visit_seats peer
                       ON peer.appointment_id = me.appointment_id AND peer.side <> me.side
                    WHERE me.user_id = u.id
                      AND me.admitted AND me.connection_id IS NOT NULL
                      AND peer.admitted AND peer.connection_id IS NOT NULL) THEN 'in_call'
                 ELSE coalesce(p.chosen, 'available')
               END,
               p.last_seen_at,
               coalesce(p.announced, 'offline')
          FROM unnest(user_ids) AS u (id)
          LEFT JOIN presence p ON p.user_id = u.id
      $$`);
    // Records each user's status as announced (and, with \`seen\`, the users as seen now), and
    // broadcasts on televisit_presence, in user order, each status that changed: the view and,
    // when it fits in a NOTIFY, who may see it. Answers every user's status as recorded. The
    // caller holds the users' locks.
    await queryRunner.query(`
      CREATE FUNCTION presence_announce(
        user_ids uuid[], seen boolean, at timestamptz, horizon interval)
        RETURNS TABLE (user_id uuid, status text, last_seen_at text)
        LANGUAGE plpgsql AS $$
      DECLARE
        recorded record;
        changed uuid[] := '{}';
        views json[] := '{}';
      BEGIN
        FOR recorded IN
          WITH v AS (SELECT * FROM presence_status(user_ids)),
          saved AS (
            INSERT INTO presence AS p (user_id, announced, last_seen_at)
            SELECT v.user_id, v.status, CASE WHEN seen THEN now() END FROM v
            ON CONFLICT ON CONSTRAINT presence_pkey DO UPDATE SET
              announced = EXCLUDED.announced,
              last_seen_at = CASE WHEN seen THEN now() ELSE p.last_seen_at END
            RETURNING p.user_id, p.last_seen_at)
          SELECT v.user_id, v.status, saved.last_seen_at, v.announced
            FROM v JOIN saved ON saved.user_id = v.user_id
           ORDER BY v.user_id
        LOOP
          user_id := recorded.user_id;
          status := recorded.status;
          last_seen_at := iso_time(recorded.last_seen_at);
          RETURN NEXT;
          IF recorded.status <> recorded.announced THEN
            changed := changed || recorded.user_id;
            views := views || json_build_object(
              'userId', recorded.user_id,
              'status', recorded.status,
              'lastSeenAt', last_seen_at);
          END IF;
        END LOOP;
        IF cardinality(changed) = 0 THEN
          RETURN;
        END IF;
        -- A status nobody may see is not broadcast; one whose watchers would not fit in a
        -- NOTIFY goes without them (each instance then looks them up).
        PERFORM count(pg_notify('televisit_presence',
                  CASE WHEN octet_length(payload.whole) <= 7900 THEN payload.whole
                       ELSE payload.view END))
           FROM (SELECT c.view::text AS view,
                        left(c.view::text, -1) || ', "watchers" : ' || w.watchers::text || '}'
                          AS whole
                   FROM unnest(changed, views) WITH ORDINALITY AS c (user_id, view, n)
                   JOIN (SELECT a.user_id, json_agg(a.contact ORDER BY a.contact) AS watchers
                           FROM appointment_contacts(changed, at, horizon) a
                          GROUP BY a.user_id) w ON w.user_id = c.user_id
                  ORDER BY c.n) AS payload;
      END $$`);
    // Sockets opening and closing on instance \`instance\`, counted over every instance: the
    // releases go first, then the claims that keep each user within \`cap\` (several of one user
    // counted in the order given). Presence is announced for every user whose sockets changed.
    // These changes are live state that heartbeats rebuild, so the commit does not wait for the
    // disk. Answers the ids of the sockets claimed.
    await queryRunner.query(`
      CREATE FUNCTION sockets_change(
        claim_ids uuid[], claim_users uuid[], release_ids uuid[], instance uuid, cap integer,
        at timestamptz, horizon interval)
        RETURNS SETOF uuid LANGUAGE plpgsql AS $$
      DECLARE
        released uuid[];
        claimed uuid[];
        claimed_users uuid[];
      BEGIN
        PERFORM set_config('synchronous_commit', 'off', true);
        -- The same lock, in the same order, as every other change to users' live state.
        PERFORM count(pg_advisory_xact_lock(hashtextextended('realtime:user:' || id, 0)))
           FROM (SELECT DISTINCT id
                   FROM unnest(claim_users::text[] ||
                               ARRAY(SELECT s.user_id::text FROM sockets s
                                      WHERE s.id = ANY(release_ids))) AS id
                  ORDER BY id) AS ordered;
        WITH gone AS (DELETE FROM sockets s WHERE s.id = ANY(release_ids) RETURNING s.user_id)
        SELECT coalesce(array_agg(gone.user_id), '{}') INTO released FROM gone;
        WITH added AS (
          INSERT INTO sockets (id, instance_id, user_id)
          SELECT w.id, instance, w.user_id
            FROM (SELECT t.id, t.user_id,
                         row_number() OVER (PARTITION BY t.user_id ORDER BY t.n) AS k
                    FROM unnest(claim_ids, claim_users) WITH ORDINALITY AS t (id, user_id, n)) w
           WHERE (SELECT count(*) FROM sockets s WHERE s.user_id = w.user_id) + w.k <= cap
          RETURNING id, user_id)
        SELECT coalesce(array_agg(added.id), '{}'), coalesce(array_agg(added.user_id), '{}')
          INTO claimed, claimed_users FROM added;
        PERFORM count(*) FROM presence_announce(
          ARRAY(SELECT DISTINCT u FROM unnest(released || claimed_users) AS u), true, at, horizon);
        RETURN QUERY SELECT unnest(claimed);
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `DROP FUNCTION sockets_change(uuid[], uuid[], uuid[], uuid, integer, timestamptz, interval)`,
    );
    await queryRunner.query(
      `DROP FUNCTION presence_announce(uuid[], boolean, timestamptz, interval)`,
    );
    await queryRunner.query(`DROP FUNCTION presence_status(uuid[])`);
    await queryRunner.query(`DROP FUNCTION appointment_contacts(uuid[], timestamptz, interval)`);
    await queryRunner.query(`DROP FUNCTION iso_time(timestamptz)`);
  }
}
