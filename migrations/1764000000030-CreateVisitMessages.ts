import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Chat in a visit (PRODUCT §9): kept with the appointment, numbered per appointment (`seq`, handed
 * out under the appointment's counter row, so one visit's messages are numbered one at a time on
 * any instance), idempotent by the sender's `client_message_id`.
 */
export class CreateVisitMessages1764000000030 implements MigrationInterface {
  name = 'CreateVisitMessages1764000000030';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE visit_message_counters (
        appointment_id uuid PRIMARY KEY REFERENCES appointments(id) ON DELETE CASCADE,
        last_seq integer NOT NULL DEFAULT 0 CHECK (last_seq >= 0)
      )`);
    await queryRunner.query(`
      CREATE TABLE visit_messages (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        appointment_id uuid NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
        seq integer NOT NULL CHECK (seq > 0),
        sender_id uuid NOT NULL REFERENCES users(id),
        sender_role text NOT NULL,
        display_name text NOT NULL,
        client_message_id text NOT NULL
          CHECK (char_length(client_message_id) BETWEEN 1 AND 128),
        text text NOT NULL CHECK (char_length(text) BETWEEN 1 AND 2000),
        sent_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT visit_messages_seq_unique UNIQUE (appointment_id, seq),
        CONSTRAINT visit_messages_client_id_unique
          UNIQUE (appointment_id, sender_id, client_message_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE visit_messages`);
    await queryRunner.query(`DROP TABLE visit_message_counters`);
  }
}
