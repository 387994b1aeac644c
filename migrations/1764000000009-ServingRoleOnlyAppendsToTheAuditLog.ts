import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rights of the role the service serves as, kept in the schema so that they change only by
 * migration. The role is not known here (it is the deployment's): the migrator calls
 * `grant_serving_role(role)` as the owner after every migration run, under its lock.
 *
 * The role gets the everyday rights on every table, sequence and function, and on audit_log
 * only INSERT and SELECT: without ownership it can neither switch the triggers off
 * (ALTER TABLE, session_replication_role) nor, lacking the privileges, update, delete or
 * truncate. Tables of later migrations get the everyday rights by default privileges; a later
 * table that must be append-only too has to be added to the REVOKE below, in a new migration.
 */
export class ServingRoleOnlyAppendsToTheAuditLog1764000000009 implements MigrationInterface {
  name = 'ServingRoleOnlyAppendsToTheAuditLog1764000000009';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION grant_serving_role(serving text) RETURNS void LANGUAGE plpgsql AS $$
      BEGIN
        IF serving = current_user THEN
          RAISE EXCEPTION 'the serving role % is the role that owns the schema', serving
            USING ERRCODE = 'invalid_grant_operation';
        END IF;
        EXECUTE format('GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO %I', serving);
        EXECUTE format('GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO %I', serving);
        EXECUTE format('GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA public TO %I', serving);
        EXECUTE format('REVOKE ALL ON FUNCTION grant_serving_role(text) FROM %I', serving);
        EXECUTE format('REVOKE ALL ON audit_log FROM %I', serving);
        EXECUTE format('GRANT SELECT, INSERT ON audit_log TO %I', serving);
        REVOKE ALL ON audit_log FROM PUBLIC;
        -- Migrations are the owner's: the service only ever reads which have run.
        EXECUTE format('REVOKE ALL ON schema_migrations FROM %I', serving);
        EXECUTE format('GRANT SELECT ON schema_migrations TO %I', serving);
        -- What later migrations create (as this same owner) is covered without another call.
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public
                          GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO %I', serving);
        EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public
                          GRANT USAGE, SELECT ON SEQUENCES TO %I', serving);
      END $$`);
    // Functions are executable by everyone unless revoked; this one is the owner's alone.
    await queryRunner.query(`REVOKE ALL ON FUNCTION grant_serving_role(text) FROM PUBLIC`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION grant_serving_role(text)`);
    // The default privileges the function gave; grants on existing tables go with the tables.
    await queryRunner.query(`
      DO $$
      DECLARE
        grantee regrole;
      BEGIN
        FOR grantee IN
          SELECT DISTINCT acl.grantee::regrole
            FROM pg_default_acl d, aclexplode(d.defaclacl) acl
           WHERE d.defaclrole = to_regrole(current_user)
             AND d.defaclnamespace = 'public'::regnamespace
             AND acl.grantee NOT IN (0, d.defaclrole)
        LOOP
          EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON TABLES FROM %s', grantee);
          EXECUTE format('ALTER DEFAULT PRIVILEGES IN SCHEMA public REVOKE ALL ON SEQUENCES FROM %s', grantee);
        END LOOP;
      END $$`);
  }
}
