import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The NOTIFY sent when a notification commits carries what the live push needs: the recipient,
 * the sequence number and (when it fits in NOTIFY's 8000 bytes) the notification as the client
 * sees it. Instances without a socket of the recipient skip it, and the others push it without
 * reading it back; only an oversized one is read by id.
 */
export class NotificationPushCarriesTheNotification1764000000005 implements MigrationInterface {
  name = 'NotificationPushCarriesTheNotification1764000000005';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
      DECLARE
        head jsonb := jsonb_build_object('userId', NEW.user_id, 'seq', NEW.seq, 'id', NEW.id);
        whole text := (head || jsonb_build_object('view', jsonb_build_object(
          'id', NEW.id,
          'type', NEW.type,
          'data', NEW.data,
          'createdAt',
            to_char(NEW.created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
          'readAt', NULL)))::text;
      BEGIN
        PERFORM pg_notify('televisit_notifications',
          CASE WHEN octet_length(whole) < 7900 THEN whole ELSE head::text END);
        RETURN NEW;
      END $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE OR REPLACE FUNCTION notifications_announce() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        PERFORM pg_notify('televisit_notifications', NEW.id::text);
        RETURN NEW;
      END $$`);
  }
}
