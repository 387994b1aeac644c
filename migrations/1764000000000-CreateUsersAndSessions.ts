import { MigrationInterface, QueryRunner } from 'typeorm';

export class CreateUsersAndSessions1764000000000 implements MigrationInterface {
  name = 'CreateUsersAndSessions1764000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE users (
        id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email         text NOT NULL,
        password_hash text NOT NULL,
        display_name  text NOT NULL,
        role          text NOT NULL,
        disabled_at   timestamptz,
        created_at    timestamptz NOT NULL DEFAULT now(),
        updated_at    timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT users_email_key UNIQUE (email),
        CONSTRAINT users_email_lowercase CHECK (email = lower(email)),
        CONSTRAINT users_role_check CHECK (role IN ('patient', 'clinician', 'admin')),
        CONSTRAINT users_display_name_check CHECK (length(display_name) BETWEEN 1 AND 100)
      )`);
    await queryRunner.query(`CREATE INDEX users_role_created_idx ON users (role, created_at, id)`);

    // One row per login. Its id is the `sid` claim of every access token minted for it, so
    // revoking the row (logout, refresh-token reuse, disabling the user) ends the login at once.
    await queryRunner.query(`
      CREATE TABLE auth_sessions (
        id             uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        user_id        uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        created_at     timestamptz NOT NULL DEFAULT now(),
        expires_at     timestamptz NOT NULL,
        revoked_at     timestamptz,
        revoked_reason text
      )`);
    await queryRunner.query(`CREATE INDEX auth_sessions_user_idx ON auth_sessions (user_id)`);

    // Every refresh token ever issued, stored as a SHA-256 hash. A used one stays, so that
    // presenting it again is recognised as reuse of a stolen token.
    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        token_hash text PRIMARY KEY,
        session_id uuid NOT NULL REFERENCES auth_sessions (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now(),
        used_at    timestamptz
      )`);
    await queryRunner.query(
      `CREATE INDEX refresh_tokens_session_idx ON refresh_tokens (session_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE auth_sessions`);
    await queryRunner.query(`DROP TABLE users`);
  }
}
