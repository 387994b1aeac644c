import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A visit seats each participant, not a patient and a clinician: the patient, the host (the
 * appointment's clinician) and guests (interpreter, caregiver, another clinician). A seat is
 * keyed by its user; at most one patient and one host per visit; signals kept for a
 * reconnecting participant belong to that participant's seat. Presence's `in_call` counts any
 * other participant admitted and connected.
 */
export class SeatsPerParticipant1764000000041 implements MigrationInterface {
  name = 'SeatsPerParticipant1764000000041';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DELETE FROM visit_signal_queue`);
    await queryRunner.query(`DELETE FROM visit_seats`);
    await queryRunner.query(`
      ALTER TABLE visit_signal_queue
        DROP CONSTRAINT visit_signal_queue_appointment_id_side_fkey,
        DROP COLUMN side,
        ADD COLUMN user_id uuid NOT NULL`);
    // Dropping `side` dropped its index too.
    await queryRunner.query(`
      ALTER TABLE visit_seats
        DROP CONSTRAINT visit_seats_pkey,
        DROP CONSTRAINT visit_seats_side_check,
        ADD CONSTRAINT visit_seats_side_check CHECK (side IN ('patient', 'clinician', 'guest')),
        ADD COLUMN role text NOT NULL,
        ADD CONSTRAINT visit_seats_role_check CHECK (
          role IN ('patient', 'clinician', 'interpreter', 'caregiver')
          AND (side = 'guest' OR role = side)
          AND (side <> 'guest' OR role <> 'patient')),
        ADD PRIMARY KEY (appointment_id, user_id)`);
    // One patient and one host per visit; guests as many as the service lets in.
    await queryRunner.query(`
      CREATE UNIQUE INDEX visit_seats_one_per_side ON visit_seats (appointment_id, side)
        WHERE side <> 'guest'`);
    await queryRunner.query(`
      ALTER TABLE visit_signal_queue
        ADD FOREIGN KEY (appointment_id, user_id)
          REFERENCES visit_seats (appointment_id, user_id) ON DELETE CASCADE`);
    await queryRunner.query(
      `CREATE INDEX visit_signal_queue_seat_idx ON visit_signal_queue (appointment_id, user_id, id)`,
    );
    await queryRunner.query(presenceStatus('peer.user_id <> me.user_id'));
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(presenceStatus('peer.side <> me.side'));
    await queryRunner.query(`DELETE FROM visit_signal_queue`);
    await queryRunner.query(`DELETE FROM visit_seats`);
    await queryRunner.query(`
      ALTER TABLE visit_signal_queue
        DROP CONSTRAINT visit_signal_queue_appointment_id_user_id_fkey,
        DROP COLUMN user_id,
        ADD COLUMN side text NOT NULL`);
    await queryRunner.query(`DROP INDEX visit_seats_one_per_side`);
    await queryRunner.query(`
      ALTER TABLE visit_seats
        DROP CONSTRAINT visit_seats_pkey,
        DROP CONSTRAINT visit_seats_role_check,
        DROP COLUMN role,
        DROP CONSTRAINT visit_seats_side_check,
        ADD CONSTRAINT visit_seats_side_check CHECK (side IN ('patient', 'clinician')),
        ADD PRIMARY KEY (appointment_id, side)`);
    await queryRunner.query(`
      ALTER TABLE visit_signal_queue
        ADD FOREIGN KEY (appointment_id, side)
          REFERENCES visit_seats (appointment_id, side) ON DELETE CASCADE`);
    await queryRunner.query(
      `CREATE INDEX visit_signal_queue_seat_idx ON visit_signal_queue (appointment_id, side, id)`,
    );
  }
}

/** `presence_status` (migration 6) with `in_call` meaning: another participant is with me. */
function presenceStatus(otherParticipant: string): string {
  return `
    CREATE OR REPLACE FUNCTION presence_status(user_ids uuid[])
      RETURNS TABLE (user_id uuid, status text, last_seen_at timestamptz, announced text)
      LANGUAGE sql STABLE AS $$
      SELECT u.id,
             CASE
               WHEN NOT EXISTS (SELECT 1 FROM sockets s WHERE s.user_id = u.id) THEN 'offline'
               WHEN EXISTS (
                 SELECT 1
                   FROM visit_seats me
                   JOIN visit_seats peer
                     ON peer.appointment_id = me.appointment_id AND ${otherParticipant}
                  WHERE me.user_id = u.id
                    AND me.admitted AND me.connection_id IS NOT NULL
                    AND peer.admitted AND peer.connection_id IS NOT NULL) THEN 'in_call'
               ELSE coalesce(p.chosen, 'available')
             END,
             p.last_seen_at,
             coalesce(p.announced, 'offline')
        FROM unnest(user_ids) AS u (id)
        LEFT JOIN presence p ON p.user_id = u.id
    $$`;
}
