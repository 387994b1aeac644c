import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Invitations to a visit (PRODUCT §9). An invite without `user_id` is for someone with no
 * account: redeeming it creates a guest user (no email, no password: a guest never logs in) and
 * a login scoped to that one appointment (`auth_sessions.appointment_id`), whose tokens are good
 * only for the visit's socket. An invite with `user_id` lets an existing clinician join with
 * their own login. Only the SHA-256 of an invite's token is kept.
 */
export class CreateVisitInvites1764000000040 implements MigrationInterface {
  name = 'CreateVisitInvites1764000000040';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_role_check,
        ADD CONSTRAINT users_role_check
          CHECK (role IN ('patient', 'clinician', 'admin', 'guest')),
        ALTER COLUMN email DROP NOT NULL,
        ALTER COLUMN password_hash DROP NOT NULL,
        ADD CONSTRAINT users_guest_credentials CHECK (
          CASE WHEN role = 'guest' THEN email IS NULL AND password_hash IS NULL
               ELSE email IS NOT NULL AND password_hash IS NOT NULL END)`);

    // The visit a guest's login is good for; null for every account login.
    await queryRunner.query(`
      ALTER TABLE auth_sessions
        ADD COLUMN appointment_id uuid REFERENCES appointments (id) ON DELETE CASCADE`);
    await queryRunner.query(`
      CREATE INDEX auth_sessions_appointment_idx ON auth_sessions (appointment_id)
        WHERE appointment_id IS NOT NULL`);

    await queryRunner.query(`
      CREATE TABLE visit_invites (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        appointment_id uuid NOT NULL REFERENCES appointments (id) ON DELETE CASCADE,
        role           text NOT NULL,
        display_name   text NOT NULL,
        user_id        uuid REFERENCES users (id),
        guest_user_id  uuid REFERENCES users (id),
        token_hash     text NOT NULL,
        created_by     uuid NOT NULL REFERENCES users (id),
        created_at     timestamptz NOT NULL DEFAULT now(),
        expires_at     timestamptz NOT NULL,
        redeemed_at    timestamptz,
        revoked_at     timestamptz,
        CONSTRAINT visit_invites_token_hash_key UNIQUE (token_hash),
        CONSTRAINT visit_invites_guest_user_key UNIQUE (guest_user_id),
        CONSTRAINT visit_invites_role_check
          CHECK (role IN ('interpreter', 'caregiver', 'clinician')),
        CONSTRAINT visit_invites_display_name_check
          CHECK (char_length(display_name) BETWEEN 1 AND 100),
        CONSTRAINT visit_invites_token_hash_check CHECK (token_hash ~ '^[0-9a-f]{64}$'),
        CONSTRAINT visit_invites_expiry_check CHECK (expires_at > created_at),
        -- For an account or for a guest, never both.
        CONSTRAINT visit_invites_one_holder CHECK (user_id IS NULL OR guest_user_id IS NULL),
        -- An account-less invite is redeemed exactly when its guest exists (single use); an
        -- account's invite records its first use.
        CONSTRAINT visit_invites_redeemed_by_guest
          CHECK (user_id IS NOT NULL OR (redeemed_at IS NULL) = (guest_user_id IS NULL)),
        CONSTRAINT visit_invites_redeemed_check
          CHECK (redeemed_at IS NULL OR redeemed_at >= created_at),
        CONSTRAINT visit_invites_revoked_check
          CHECK (revoked_at IS NULL OR revoked_at >= created_at)
      )`);
    await queryRunner.query(
      `CREATE INDEX visit_invites_appointment_idx ON visit_invites (appointment_id, created_at, id)`,
    );
    // One live invite per account per visit: a second would be a second seat for one person.
    await queryRunner.query(`
      CREATE UNIQUE INDEX visit_invites_one_per_user ON visit_invites (appointment_id, user_id)
        WHERE user_id IS NOT NULL AND revoked_at IS NULL`);
  }

  /** Guests, and everything that refers to them, go with the feature. */
  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE visit_invites`);
    await queryRunner.query(`DROP INDEX auth_sessions_appointment_idx`);
    await queryRunner.query(`ALTER TABLE auth_sessions DROP COLUMN appointment_id`);
    await queryRunner.query(`
      DELETE FROM visit_messages WHERE sender_id IN (SELECT id FROM users WHERE role = 'guest')`);
    await queryRunner.query(`DELETE FROM users WHERE role = 'guest'`);
    await queryRunner.query(`
      ALTER TABLE users
        DROP CONSTRAINT users_guest_credentials,
        ALTER COLUMN password_hash SET NOT NULL,
        ALTER COLUMN email SET NOT NULL,
        DROP CONSTRAINT users_role_check,
        ADD CONSTRAINT users_role_check CHECK (role IN ('patient', 'clinician', 'admin'))`);
  }
}
