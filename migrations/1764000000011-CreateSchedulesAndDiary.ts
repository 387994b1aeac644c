import { MigrationInterface, QueryRunner } from 'typeorm';

/** What migration 8 left: the booked time, up to an early end. */
const OCCUPIED_WITHOUT_BUFFERS = `tstzrange(starts_at,
  greatest(starts_at, least(ends_at, coalesce(ended_at, ends_at))), '[)')`;

/**
 * Schedules, and the clinician's diary as the database sees it.
 *
 * - `clinician_schedules`: one published schedule per clinician (weekly hours and overrides as
 *   JSON, checked by the service; the numbers checked here too).
 * - `appointments.buffer_*_minutes`: the clinician's buffers when the visit was booked (or last
 *   moved). `occupies` is the visit's time widened by them, kept by a trigger from the columns
 *   it is made of (timestamptz arithmetic is not immutable, so it cannot be a generated column
 *   or an expression in the constraint). The clinician's no-overlap constraint now reads it.
 * - `diary_entries`: everything that takes a clinician's time, visits and slot holds alike, so
 *   one exclusion constraint keeps a hold off a visit and off another hold. `live` is when an
 *   entry counts: a visit from its booking on, a hold for its five minutes. Two entries clash
 *   only when both their times and their live periods overlap, so an expired hold stops
 *   counting by itself, with no sweeper. Visits are mirrored here by a trigger on appointments.
 */
export class CreateSchedulesAndDiary1764000000011 implements MigrationInterface {
  name = 'CreateSchedulesAndDiary1764000000011';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE clinician_schedules (
        clinician_id           uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        time_zone              text NOT NULL,
        weekly                 jsonb NOT NULL,
        overrides              jsonb NOT NULL,
        slot_minutes           integer NOT NULL CHECK (slot_minutes BETWEEN 1 AND 240),
        buffer_before_minutes  integer NOT NULL CHECK (buffer_before_minutes BETWEEN 0 AND 240),
        buffer_after_minutes   integer NOT NULL CHECK (buffer_after_minutes BETWEEN 0 AND 240),
        minimum_notice_minutes integer NOT NULL CHECK (minimum_notice_minutes BETWEEN 0 AND 525600),
        booking_horizon_days   integer NOT NULL CHECK (booking_horizon_days BETWEEN 1 AND 3660),
        version                integer NOT NULL DEFAULT 1,
        updated_at             timestamptz NOT NULL DEFAULT now()
      )`);

    await queryRunner.query(`
      ALTER TABLE appointments
        ADD COLUMN buffer_before_minutes integer NOT NULL DEFAULT 0
          CHECK (buffer_before_minutes BETWEEN 0 AND 240),
        ADD COLUMN buffer_after_minutes integer NOT NULL DEFAULT 0
          CHECK (buffer_after_minutes BETWEEN 0 AND 240),
        ADD COLUMN occupies tstzrange`);
    // A visit ended early occupies its time up to the end, then its after-buffer; one ended
    // before it started occupies nothing (migration 8).
    await queryRunner.query(`
      CREATE FUNCTION appointments_occupies() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        last timestamptz := least(NEW.ends_at, coalesce(NEW.ended_at, NEW.ends_at));
      BEGIN
        IF last <= NEW.starts_at THEN
          NEW.occupies := 'empty';
        ELSE
          NEW.occupies := tstzrange(
            NEW.starts_at - make_interval(mins => NEW.buffer_before_minutes),
            last + make_interval(mins => NEW.buffer_after_minutes), '[)');
        END IF;
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER appointments_occupies BEFORE INSERT OR UPDATE ON appointments
        FOR EACH ROW EXECUTE FUNCTION appointments_occupies()`);
    await queryRunner.query(`UPDATE appointments SET occupies = NULL`);
    await queryRunner.query(`ALTER TABLE appointments ALTER COLUMN occupies SET NOT NULL`);
    await queryRunner.query(`
      ALTER TABLE appointments DROP CONSTRAINT appointments_clinician_no_overlap,
        ADD CONSTRAINT appointments_clinician_no_overlap EXCLUDE USING gist (
          clinician_id WITH =, occupies WITH &&
        ) WHERE (status <> 'cancelled')`);

    await queryRunner.query(`
      CREATE TABLE diary_entries (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        clinician_id   uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        appointment_id uuid UNIQUE REFERENCES appointments (id) ON DELETE CASCADE,
        holder_id      uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        starts_at      timestamptz NOT NULL,
        ends_at        timestamptz NOT NULL,
        occupies       tstzrange NOT NULL,
        live           tstzrange NOT NULL,
        CONSTRAINT diary_entries_time_order CHECK (ends_at > starts_at),
        CONSTRAINT diary_entries_no_overlap EXCLUDE USING gist (
          clinician_id WITH =, occupies WITH &&, live WITH &&
        )
      )`);
    // A visit's entry follows the visit: gone when cancelled or occupying nothing, renewed
    // (live from now) when its time changes. holder_id is the patient.
    await queryRunner.query(`
      CREATE FUNCTION appointments_to_diary() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        IF TG_OP = 'UPDATE' AND NEW.status IS NOT DISTINCT FROM OLD.status
           AND NEW.occupies = OLD.occupies THEN
          RETURN NULL;
        END IF;
        DELETE FROM diary_entries WHERE appointment_id = NEW.id;
        IF NEW.status <> 'cancelled' AND NOT isempty(NEW.occupies) THEN
          INSERT INTO diary_entries
            (clinician_id, appointment_id, holder_id, starts_at, ends_at, occupies, live)
          VALUES (NEW.clinician_id, NEW.id, NEW.patient_id, NEW.starts_at, NEW.ends_at,
                  NEW.occupies, tstzrange(now(), NULL, '[)'));
        END IF;
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER appointments_to_diary AFTER INSERT OR UPDATE ON appointments
        FOR EACH ROW EXECUTE FUNCTION appointments_to_diary()`);
    await queryRunner.query(`
      INSERT INTO diary_entries
        (clinician_id, appointment_id, holder_id, starts_at, ends_at, occupies, live)
      SELECT clinician_id, id, patient_id, starts_at, ends_at, occupies,
             tstzrange(now(), NULL, '[)')
        FROM appointments WHERE status <> 'cancelled' AND NOT isempty(occupies)`);
    await queryRunner.query(
      `CREATE INDEX diary_entries_holds_idx ON diary_entries (clinician_id, upper(live))
        WHERE appointment_id IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER appointments_to_diary ON appointments`);
    await queryRunner.query(`DROP FUNCTION appointments_to_diary()`);
    await queryRunner.query(`DROP TABLE diary_entries`);
    // Narrower ranges than the buffered ones: this cannot fail.
    await queryRunner.query(`
      ALTER TABLE appointments DROP CONSTRAINT appointments_clinician_no_overlap,
        ADD CONSTRAINT appointments_clinician_no_overlap EXCLUDE USING gist (
          clinician_id WITH =, ${OCCUPIED_WITHOUT_BUFFERS} WITH &&
        ) WHERE (status <> 'cancelled')`);
    await queryRunner.query(`DROP TRIGGER appointments_occupies ON appointments`);
    await queryRunner.query(`DROP FUNCTION appointments_occupies()`);
    await queryRunner.query(`
      ALTER TABLE appointments DROP COLUMN occupies,
        DROP COLUMN buffer_after_minutes, DROP COLUMN buffer_before_minutes`);
    await queryRunner.query(`DROP TABLE clinician_schedules`);
  }
}
