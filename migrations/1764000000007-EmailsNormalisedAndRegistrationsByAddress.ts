import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Stored emails must be in Unicode NFC, the form the API compares them in, so `é` written as
 * one code point or as `e` + U+0301 can never be two accounts; and registrations are counted
 * per address (the registration throttle) from the audit log.
 */
export class EmailsNormalisedAndRegistrationsByAddress1764000000007 implements MigrationInterface {
  name = 'EmailsNormalisedAndRegistrationsByAddress1764000000007';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Unicode normalisation exists only in a UTF8 database (the embedded one may be created
    // otherwise); without it the API's own normalisation is the only guard. NOT VALID: rows from
    // before are not checked (a non-NFC one would stop the upgrade), every write from now on is.
    const [{ encoding }] = (await queryRunner.query(
      `SELECT getdatabaseencoding() AS encoding`,
    )) as {
      encoding: string;
    }[];
    if (encoding === 'UTF8') {
      // Rows written before keep working: each goes to its NFC form, the one logins now look up,
      // unless that form is taken (then it stays as it was, unreachable, for an admin to settle).
      await queryRunner.query(`
        UPDATE users SET email = normalize(email, NFC), updated_at = now()
         WHERE id IN (SELECT DISTINCT ON (normalize(email, NFC)) id FROM users
                       WHERE email IS NOT NFC NORMALIZED
                       ORDER BY normalize(email, NFC), created_at)
           AND NOT EXISTS (SELECT 1 FROM users taken WHERE taken.email = normalize(users.email, NFC))`);
      await queryRunner.query(`
        ALTER TABLE users ADD CONSTRAINT users_email_nfc CHECK (email IS NFC NORMALIZED) NOT VALID`);
    }
    await queryRunner.query(`
      CREATE INDEX audit_log_register_ip_idx ON audit_log (ip, at)
        WHERE action = 'user.register'`);
  }

  /** Emails put in NFC stay so: both forms are the same address. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX audit_log_register_ip_idx`);
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT IF EXISTS users_email_nfc`);
  }
}
