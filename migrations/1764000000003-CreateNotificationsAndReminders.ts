import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateNotificationsAndReminders1764000000003 implements MigrationInterface {
  name = 'CreateNotificationsAndReminders1764000000003';

  async up(queryRunner: QueryRunner): Promise<void> {
    // `seq` orders a user's notifications for catching up (`notifications.sync {after}`); the
    // public id stays an opaque uuid.
    await queryRunner.query(`
      CREATE TABLE notifications (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq        bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
        user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        type       text NOT NULL,
        data       jsonb NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        read_at    timestamptz,
        CONSTRAINT notifications_type_check CHECK (type IN (
          'appointment.created', 'appointment.rescheduled', 'appointment.cancelled',
          'appointment.reminder', 'session.patient_waiting', 'session.missed'))
      )`);
    await queryRunner.query(
      `CREATE INDEX notifications_user_seq_idx ON notifications (user_id, seq DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX notifications_user_unread_idx ON notifications (user_id) WHERE read_at IS NULL`,
    );
    // Live push happens after commit, from the database itself: NOTIFY is only delivered when
    // the inserting transaction commits, so nothing is pushed that did not happen, and every
    // instance hears it. Payloads stay under NOTIFY's 8000-byte limit by carrying the id.
    await queryRunner.query(`
      CREATE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('televisit_notifications', NEW.id::text);
        RETURN NEW;
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER notifications_announce AFTER INSERT ON notifications
        FOR EACH ROW EXECUTE FUNCTION notifications_announce()`);

    // Reminders are rows the booking transaction writes; a scheduler claims due ones with
    // FOR UPDATE SKIP LOCKED and marks them sent in the transaction that notifies, so each is
    // sent once however many instances run.
    await queryRunner.query(`
      CREATE TABLE appointment_reminders (
        appointment_id uuid NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
        kind           text NOT NULL,
        due_at         timestamptz NOT NULL,
        sent_at        timestamptz,
        PRIMARY KEY (appointment_id, kind),
        CONSTRAINT appointment_reminders_kind_check CHECK (kind IN ('24h', '10m'))
      )`);
    await queryRunner.query(
      `CREATE INDEX appointment_reminders_due_idx ON appointment_reminders (due_at) WHERE sent_at IS NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE appointment_reminders`);
    await queryRunner.query(`DROP TABLE notifications`);
    await queryRunner.query(`DROP FUNCTION notifications_announce()`);
  }
}
