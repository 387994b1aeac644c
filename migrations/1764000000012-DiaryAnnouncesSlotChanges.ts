import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every change to a clinician's diary (a visit booked, moved, cancelled or ended early; a hold
 * taken, used or released) and to their schedule is announced on the `televisit_slots` channel
 * as `{clinicianId, from, to}`, delivered when the change commits: every instance tells the
 * sockets watching that clinician's slots. The database announces it, so no write path can
 * forget to.
 */
export class DiaryAnnouncesSlotChanges1764000000012 implements MigrationInterface {
  name = 'DiaryAnnouncesSlotChanges1764000000012';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION diary_entries_announce() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        entry diary_entries := CASE WHEN TG_OP = 'DELETE' THEN OLD ELSE NEW END;
      BEGIN
        PERFORM pg_notify('televisit_slots', json_build_object(
          'clinicianId', entry.clinician_id,
          'from', lower(entry.occupies), 'to', upper(entry.occupies))::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER diary_entries_announce AFTER INSERT OR DELETE ON diary_entries
        FOR EACH ROW EXECUTE FUNCTION diary_entries_announce()`);
    await queryRunner.query(`
      CREATE FUNCTION clinician_schedules_announce() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('televisit_slots', json_build_object(
          'clinicianId', NEW.clinician_id, 'from', now(),
          'to', now() + make_interval(days => greatest(NEW.booking_horizon_days,
            CASE WHEN TG_OP = 'UPDATE' THEN OLD.booking_horizon_days ELSE 0 END)))::text);
        RETURN NULL;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER clinician_schedules_announce AFTER INSERT OR UPDATE ON clinician_schedules
        FOR EACH ROW EXECUTE FUNCTION clinician_schedules_announce()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TRIGGER clinician_schedules_announce ON clinician_schedules`);
    await queryRunner.query(`DROP FUNCTION clinician_schedules_announce()`);
    await queryRunner.query(`DROP TRIGGER diary_entries_announce ON diary_entries`);
    await queryRunner.query(`DROP FUNCTION diary_entries_announce()`);
  }
}
