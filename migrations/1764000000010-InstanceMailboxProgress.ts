import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * How far each instance has handled its mailbox: the last message id handled from each sender,
 * written with every heartbeat. When an instance dies, the messages past it are the ones it
 * may never have handled (visit signals among them are kept for their participant's resume).
 */
export class InstanceMailboxProgress1764000000010 implements MigrationInterface {
  name = 'InstanceMailboxProgress1764000000010';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE instances ADD COLUMN mailbox_handled jsonb NOT NULL DEFAULT '{}'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE instances DROP COLUMN mailbox_handled`);
  }
}
