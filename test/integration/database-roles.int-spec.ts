import { randomBytes } from 'node:crypto';
import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import {
  auditLogExposure,
  ensureLoginRole,
  LOCAL_SERVING_ROLE,
} from '../../src/database/database-roles';
import { openDatabase } from '../../src/database/open-database';
import { typeormOptions } from '../../src/database/typeorm-options';
import { createScratchDatabase } from '../support/db';

/** The owner and serving roles: created safely, told apart at start, granted by migration 9. */
describe('database roles', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let server: Client;
  const opened: DataSource[] = [];

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_roles');
    server = new Client({ connectionString: scratch.url });
    await server.connect();
  });

  afterEach(async () => {
    jest.restoreAllMocks();
    for (const dataSource of opened.splice(0)) {
      await dataSource.destroy();
    }
  });

  afterAll(async () => {
    await server?.end();
    await scratch?.drop();
  });

  const open = async (urls: { databaseUrl: string; migrationDatabaseUrl?: string }) => {
    const dataSource = await openDatabase(typeormOptions(urls.databaseUrl), urls);
    opened.push(dataSource);
    return dataSource;
  };

  const warnings = () => {
    const warn = jest.spyOn(Logger.prototype, 'warn').mockImplementation(() => undefined);
    return () => warn.mock.calls.map((call) => call[1] as string);
  };

  describe('ensureLoginRole', () => {
    const role = { user: `televisit_role_test_${randomBytes(4).toString('hex')}`, password: 'p' };
    afterAll(() => server.query(`DROP ROLE IF EXISTS ${role.user}`));

    it('creates the role once when many runs ask at the same time, as a role with no powers', async () => {
      await expect(
        Promise.all(Array.from({ length: 8 }, () => ensureLoginRole(scratch.url, role))),
      ).resolves.toHaveLength(8);
      const { rows } = await server.query(
        `SELECT rolcanlogin, rolsuper, rolcreaterole, rolcreatedb, rolbypassrls, rolreplication
           FROM pg_roles WHERE rolname = $1`,
        [role.user],
      );
      expect(rows).toEqual([
        {
          rolcanlogin: true,
          rolsuper: false,
          rolcreaterole: false,
          rolcreatedb: false,
          rolbypassrls: false,
          rolreplication: false,
        },
      ]);
    });

    it('leaves a role that exists as it is', async () => {
      await server.query(`ALTER ROLE ${role.user} CONNECTION LIMIT 3`);
      await ensureLoginRole(scratch.url, role);
      const { rows } = await server.query('SELECT rolconnlimit FROM pg_roles WHERE rolname = $1', [
        role.user,
      ]);
      expect(rows).toEqual([{ rolconnlimit: 3 }]);
    });
  });

  it('migrates as the owner and serves as the serving role, with no warning', async () => {
    const warned = warnings();
    const dataSource = await open({
      databaseUrl: scratch.servingUrl,
      migrationDatabaseUrl: scratch.url,
    });
    const [row] = await dataSource.query<{ serving: string; owner: string }[]>(
      `SELECT current_user AS serving, pg_get_userbyid(relowner) AS owner
         FROM pg_class WHERE oid = 'audit_log'::regclass`,
    );
    const { rows } = await server.query<{ owner: string }>('SELECT current_user AS owner');
    expect(row).toEqual({ serving: LOCAL_SERVING_ROLE.user, owner: rows[0].owner });
    expect(await auditLogExposure(dataSource)).toBeUndefined();
    expect(warned()).toEqual([]);
  });

  it('warns at start when the role it serves as could change the audit log', async () => {
    const warned = warnings();
    const dataSource = await open({ databaseUrl: scratch.url });
    expect(await auditLogExposure(dataSource)).toBe('it is a superuser');
    expect(warned()).toEqual([expect.stringContaining('The audit log is not append-only')]);
  });

  it('names privileges to change the log granted by hand, and the next start takes them back', async () => {
    await open({ databaseUrl: scratch.servingUrl, migrationDatabaseUrl: scratch.url });
    await server.query(`GRANT UPDATE, DELETE ON audit_log TO ${LOCAL_SERVING_ROLE.user}`);
    const serving = await open({ databaseUrl: scratch.servingUrl });
    expect(await auditLogExposure(serving)).toBe('it may UPDATE, DELETE or TRUNCATE audit_log');

    await open({ databaseUrl: scratch.servingUrl, migrationDatabaseUrl: scratch.url });
    expect(await auditLogExposure(serving)).toBeUndefined();
  });

  it("migration 9's down takes back the default privileges on later tables", async () => {
    await open({ databaseUrl: scratch.servingUrl, migrationDatabaseUrl: scratch.url });
    const owner = new DataSource(typeormOptions(scratch.url));
    opened.push(await owner.initialize());
    const defaults = async () =>
      server.query(
        `SELECT acl.privilege_type FROM pg_default_acl d, aclexplode(d.defaclacl) acl
          WHERE acl.grantee = to_regrole($1) ORDER BY 1`,
        [LOCAL_SERVING_ROLE.user],
      );
    expect((await defaults()).rows.length).toBeGreaterThan(0);

    // Later migrations first, as a rollback to before migration 9 goes.
    const undoneThrough9 = async () => {
      const { rows } = await server.query(
        `SELECT 1 FROM schema_migrations WHERE name = 'ServingRoleOnlyAppendsToTheAuditLog1764000000009'`,
      );
      return rows.length === 0;
    };
    while (!(await undoneThrough9())) {
      await owner.undoLastMigration();
    }
    expect((await defaults()).rows).toEqual([]);
    const { rows } = await server.query(
      `SELECT 1 FROM pg_proc WHERE proname = 'grant_serving_role'`,
    );
    expect(rows).toEqual([]);
  });
});
