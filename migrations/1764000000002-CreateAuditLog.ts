import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateAuditLog1764000000002 implements MigrationInterface {
  name = 'CreateAuditLog1764000000002';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE audit_log (
        id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
        at          timestamptz NOT NULL DEFAULT now(),
        actor_id    uuid,
        action      text NOT NULL,
        target_type text,
        target_id   text,
        outcome     text NOT NULL,
        ip          text,
        request_id  text,
        details     jsonb NOT NULL DEFAULT '{}'::jsonb,
        CONSTRAINT audit_log_outcome_check CHECK (outcome IN ('success', 'failure', 'denied'))
      )`);
    await queryRunner.query(`CREATE INDEX audit_log_actor_idx ON audit_log (actor_id, id)`);
    await queryRunner.query(`CREATE INDEX audit_log_target_idx ON audit_log (target_id, id)`);
    // Failed logins are throttled by counting them here, per account and per address.
    await queryRunner.query(`
      CREATE INDEX audit_log_failed_login_email_idx ON audit_log ((details ->> 'email'), at)
        WHERE action = 'auth.login' AND outcome = 'failure'`);
    await queryRunner.query(`
      CREATE INDEX audit_log_failed_login_ip_idx ON audit_log (ip, at)
        WHERE action = 'auth.login' AND outcome = 'failure'`);

    // Append-only is a database rule: rows can be added, never changed or removed.
    await queryRunner.query(`
      CREATE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit_log is append-only' USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_update_delete BEFORE UPDATE OR DELETE ON audit_log
        FOR EACH ROW EXECUTE FUNCTION audit_log_refuse_change()`);
    await queryRunner.query(`
      CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
        FOR EACH STATEMENT EXECUTE FUNCTION audit_log_refuse_change()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_log`);
    await queryRunner.query(`DROP FUNCTION audit_log_refuse_change()`);
  }
}
