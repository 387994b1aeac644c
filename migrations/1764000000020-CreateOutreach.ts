import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Reaching people who are not connected: Web Push subscriptions, each user's delivery
 * preferences, and the delivery outbox (one row per notification and channel, written in the
 * notification's own transaction and worked off by the delivery workers of every instance).
 */
export class CreateOutreach1764000000020 implements MigrationInterface {
  name = 'CreateOutreach1764000000020';

  async up(queryRunner: QueryRunner): Promise<void> {
    // An endpoint is one browser's: subscribing it again (even as another user) moves it.
    await queryRunner.query(`
      CREATE TABLE push_subscriptions (
        id         uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id    uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        endpoint   text NOT NULL UNIQUE CHECK (length(endpoint) <= 2048),
        p256dh     text NOT NULL CHECK (length(p256dh) <= 256),
        auth       text NOT NULL CHECK (length(auth) <= 64),
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX push_subscriptions_user_idx ON push_subscriptions (user_id)`,
    );
    await queryRunner.query(`
      CREATE TABLE notification_preferences (
        user_id     uuid PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        time_zone   text NOT NULL DEFAULT 'UTC',
        quiet_start time,
        quiet_end   time,
        email       boolean NOT NULL DEFAULT true,
        push        boolean NOT NULL DEFAULT true,
        updated_at  timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT notification_preferences_quiet_check
          CHECK ((quiet_start IS NULL) = (quiet_end IS NULL))
      )`);
    // pending → sending (claimed, leased) → sent | failed | skipped, or back to pending (retry)
    // or held (quiet hours). The lease says who claimed it until when; send_started_at is
    // committed just before the send, so an expired lease tells "never sent" from "unknown".
    await queryRunner.query(`
      CREATE TABLE notification_deliveries (
        notification_id uuid NOT NULL REFERENCES notifications (id) ON DELETE CASCADE,
        channel         text NOT NULL CHECK (channel IN ('socket', 'push', 'email')),
        user_id         uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        status          text NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'held', 'sending', 'sent', 'failed', 'skipped')),
        due_at          timestamptz NOT NULL,
        attempts        integer NOT NULL DEFAULT 0,
        claimed_by      uuid,
        claimed_until   timestamptz,
        send_started_at timestamptz,
        error           text CHECK (length(error) <= 200),
        at              timestamptz,
        PRIMARY KEY (notification_id, channel),
        CONSTRAINT notification_deliveries_lease_check
          CHECK ((status = 'sending') = (claimed_until IS NOT NULL))
      )`);
    await queryRunner.query(
      `CREATE INDEX notification_deliveries_due_idx ON notification_deliveries (due_at)
        WHERE status IN ('pending', 'held')`,
    );
    await queryRunner.query(
      `CREATE INDEX notification_deliveries_lease_idx ON notification_deliveries (claimed_until)
        WHERE status = 'sending'`,
    );
    await queryRunner.query(
      `CREATE INDEX notification_deliveries_failed_idx ON notification_deliveries (at DESC)
        WHERE status = 'failed'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE notification_deliveries`);
    await queryRunner.query(`DROP TABLE notification_preferences`);
    await queryRunner.query(`DROP TABLE push_subscriptions`);
  }
}
