import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAppointments1764000000001 implements MigrationInterface {
  name = 'CreateAppointments1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS btree_gist`);
    // No double booking is a database rule, not an application check: two appointments of one
    // clinician, or of one patient, that are not cancelled never share a moment. Ranges are
    // half-open, so a visit ending at 10:00 and one starting at 10:00 do not overlap.
    await queryRunner.query(`
      CREATE TABLE appointments (
        id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        patient_id   uuid NOT NULL REFERENCES users (id),
        clinician_id uuid NOT NULL REFERENCES users (id),
        starts_at    timestamptz NOT NULL,
        ends_at      timestamptz NOT NULL,
        status       text NOT NULL DEFAULT 'scheduled',
        reason       text,
        version      integer NOT NULL DEFAULT 1,
        created_at   timestamptz NOT NULL DEFAULT now(),
        updated_at   timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT appointments_status_check
          CHECK (status IN ('scheduled', 'in_progress', 'completed', 'cancelled', 'no_show')),
        CONSTRAINT appointments_time_order CHECK (ends_at > starts_at),
        CONSTRAINT appointments_distinct_people CHECK (patient_id <> clinician_id),
        CONSTRAINT appointments_reason_length CHECK (reason IS NULL OR length(reason) <= 1000),
        CONSTRAINT appointments_clinician_no_overlap EXCLUDE USING gist (
          clinician_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
        ) WHERE (status <> 'cancelled'),
        CONSTRAINT appointments_patient_no_overlap EXCLUDE USING gist (
          patient_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&
        ) WHERE (status <> 'cancelled')
      )`);
    await queryRunner.query(
      `CREATE INDEX appointments_clinician_starts_idx ON appointments (clinician_id, starts_at, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX appointments_patient_starts_idx ON appointments (patient_id, starts_at, id)`,
    );
    await queryRunner.query(`CREATE INDEX appointments_starts_idx ON appointments (starts_at, id)`);

    // A booking retried with the same Idempotency-Key returns the first answer. The key is
    // scoped to the caller, and the request's hash guards against reusing a key for another body.
    // The key row is written before its appointment (hence the deferred foreign key), so a
    // concurrent retry waits on the key instead of colliding with its own booking.
    await queryRunner.query(`
      CREATE TABLE idempotency_keys (
        user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        key            text NOT NULL,
        request_hash   text NOT NULL,
        appointment_id uuid NOT NULL
          REFERENCES appointments (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (user_id, key)
      )`);
    await queryRunner.query(
      `CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE idempotency_keys`);
    await queryRunner.query(`DROP TABLE appointments`);
    // btree_gist stays: other objects may use it, and dropping an extension is not ours to do.
  }
}
