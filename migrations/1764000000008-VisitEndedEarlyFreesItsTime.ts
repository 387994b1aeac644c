import { MigrationInterface, QueryRunner } from 'typeorm';

/** The time an appointment occupies, as the no-overlap constraints read it. */
const OCCUPIED = `tstzrange(starts_at,
  greatest(starts_at, least(ends_at, coalesce(ended_at, ends_at))), '[)')`;
const BOOKED = `tstzrange(starts_at, ends_at, '[)')`;

/**
 * A visit ended early frees the rest of its booked time: `ended_at` is when it was ended, and
 * the no-overlap constraints count a completed visit only up to then. One ended before its
 * start (in the early-join window) occupies nothing: `greatest` keeps the range's bounds in
 * order, so it is empty rather than an error.
 */
export class VisitEndedEarlyFreesItsTime1764000000008 implements MigrationInterface {
  name = 'VisitEndedEarlyFreesItsTime1764000000008';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE appointments ADD COLUMN ended_at timestamptz`);
    // A completed visit's last change was its completion.
    await queryRunner.query(
      `UPDATE appointments SET ended_at = updated_at WHERE status = 'completed'`,
    );
    await queryRunner.query(`
      ALTER TABLE appointments ADD CONSTRAINT appointments_ended_only_completed
        CHECK (ended_at IS NULL OR status = 'completed')`);
    await this.replaceOverlapConstraints(queryRunner, OCCUPIED);
  }

  /** Fails if the freed time has been booked meanwhile: the old rule cannot hold those rows. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await this.replaceOverlapConstraints(queryRunner, BOOKED);
    await queryRunner.query(
      `ALTER TABLE appointments DROP CONSTRAINT appointments_ended_only_completed`,
    );
    await queryRunner.query(`ALTER TABLE appointments DROP COLUMN ended_at`);
  }

  private async replaceOverlapConstraints(queryRunner: QueryRunner, range: string) {
    for (const who of ['clinician', 'patient']) {
      await queryRunner.query(`
        ALTER TABLE appointments DROP CONSTRAINT appointments_${who}_no_overlap,
          ADD CONSTRAINT appointments_${who}_no_overlap EXCLUDE USING gist (
            ${who}_id WITH =, ${range} WITH &&
          ) WHERE (status <> 'cancelled')`);
    }
  }
}
