import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectTestDatabase } from '../support/pg';

// The trigger raises insufficient_privilege: changing the log is never allowed.
const appendOnly = { code: '42501', message: 'audit_log is append-only' };

describe('audit_log is append-only, even for the role that owns it (triggers)', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connectTestDatabase('owner');
  });

  afterAll(async () => {
    await client.end();
  });

  async function insertEntry(): Promise<string> {
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO audit_log (actor_id, action, target_type, target_id, outcome, ip, request_id, details)
       VALUES ($1, 'appointment.cancel', 'appointment', $2, 'success', '127.0.0.1', $3, $4)
       RETURNING id`,
      [randomUUID(), randomUUID(), randomUUID(), JSON.stringify({ reason: 'test' })],
    );
    return rows[0].id;
  }

  async function readEntry(id: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await client.query<Record<string, unknown>>(
      'SELECT * FROM audit_log WHERE id = $1',
      [id],
    );
    return rows[0];
  }

  it('accepts new rows, with defaults for time and details', async () => {
    const { rows } = await client.query<{ id: string; at: Date; details: unknown }>(
      `INSERT INTO audit_log (action, outcome) VALUES ('auth.login', 'failure')
       RETURNING id, at, details`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].at).toBeInstanceOf(Date);
    expect(rows[0].details).toEqual({});
    expect(await readEntry(rows[0].id)).toBeDefined();
  });

  it('refuses an UPDATE and leaves the row unchanged', async () => {
    const id = await insertEntry();
    const before = await readEntry(id);

    await expect(
      client.query(`UPDATE audit_log SET outcome = 'failure', details = '{}' WHERE id = $1`, [id]),
    ).rejects.toMatchObject(appendOnly);
    expect(await readEntry(id)).toEqual(before);
  });

  it('refuses a DELETE and keeps the row', async () => {
    const id = await insertEntry();
    const before = await readEntry(id);

    await expect(client.query('DELETE FROM audit_log WHERE id = $1', [id])).rejects.toMatchObject(
      appendOnly,
    );
    expect(await readEntry(id)).toEqual(before);
  });

  it('refuses a TRUNCATE and keeps the rows', async () => {
    const id = await insertEntry();
    const before = await readEntry(id);

    await expect(client.query('TRUNCATE audit_log')).rejects.toMatchObject(appendOnly);
    expect(await readEntry(id)).toEqual(before);
  });

  it('refuses an UPDATE inside a transaction too, so nothing is committed', async () => {
    const id = await insertEntry();
    const before = await readEntry(id);

    await client.query('BEGIN');
    try {
      await expect(
        client.query(`UPDATE audit_log SET action = 'rewritten' WHERE id = $1`, [id]),
      ).rejects.toMatchObject(appendOnly);
    } finally {
      await client.query('ROLLBACK');
    }
    expect(await readEntry(id)).toEqual(before);
  });

  it('refuses an unknown outcome', async () => {
    await expect(
      client.query(`INSERT INTO audit_log (action, outcome) VALUES ('auth.login', 'maybe')`),
    ).rejects.toMatchObject({ code: '23514', constraint: 'audit_log_outcome_check' });
  });
});

describe('the role the service serves as may only add to and read audit_log', () => {
  let serving: Client;
  let owner: Client;

  beforeAll(async () => {
    serving = await connectTestDatabase();
    owner = await connectTestDatabase('owner');
  });

  afterAll(async () => {
    await serving.end();
    await owner.end();
  });

  const refused = { code: '42501' };

  async function insertEntry(): Promise<string> {
    const { rows } = await serving.query<{ id: string }>(
      `INSERT INTO audit_log (action, target_id, outcome) VALUES ('user.disable', $1, 'success')
       RETURNING id`,
      [randomUUID()],
    );
    return rows[0].id;
  }

  async function readEntry(id: string): Promise<Record<string, unknown> | undefined> {
    const { rows } = await serving.query('SELECT * FROM audit_log WHERE id = $1', [id]);
    return rows[0];
  }

  /** Runs `statements` in a transaction that is always rolled back, answering the first error. */
  async function attempt(...statements: string[]): Promise<unknown> {
    await serving.query('BEGIN');
    try {
      for (const statement of statements) {
        await serving.query(statement);
      }
      return undefined;
    } catch (error) {
      return error;
    } finally {
      await serving.query('ROLLBACK');
    }
  }

  it('adds and reads rows', async () => {
    const id = await insertEntry();
    expect(await readEntry(id)).toMatchObject({ action: 'user.disable', outcome: 'success' });
  });

  it.each([
    ['ALTER TABLE audit_log DISABLE TRIGGER ALL'],
    ['ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update_delete'],
    ['ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_truncate'],
    ['DROP TRIGGER audit_log_no_update_delete ON audit_log'],
    ['SET session_replication_role = replica'],
    ['SET LOCAL session_replication_role = replica'],
    [
      'CREATE OR REPLACE FUNCTION audit_log_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$',
    ],
  ])('cannot switch the triggers off: %s', async (statement) => {
    expect(await attempt(statement)).toMatchObject(refused);
  });

  it.each([
    ['UPDATE', (id: string) => `UPDATE audit_log SET outcome = 'failure' WHERE id = ${id}`],
    ['DELETE', (id: string) => `DELETE FROM audit_log WHERE id = ${id}`],
    ['TRUNCATE', () => 'TRUNCATE audit_log'],
  ])('is refused %s (by privilege, before any trigger) and the row stays', async (_, sql) => {
    const id = await insertEntry();
    const before = await readEntry(id);
    const error = await attempt(sql(id));
    expect(error).toMatchObject(refused);
    expect((error as Error).message).toBe('permission denied for table audit_log');
    expect(await readEntry(id)).toEqual(before);
  });

  it('is not a superuser, nor a member of the role owning the tables, and owns nothing', async () => {
    const { rows } = await serving.query<Record<string, unknown>>(
      `SELECT r.rolsuper AS superuser,
              pg_has_role(current_user, c.relowner, 'MEMBER') AS "memberOfOwner",
              (SELECT count(*)::int FROM pg_class WHERE relowner = r.oid) AS relations,
              (SELECT count(*)::int FROM pg_proc WHERE proowner = r.oid) AS functions,
              (SELECT count(*)::int FROM pg_type WHERE typowner = r.oid) AS types,
              (SELECT count(*)::int FROM pg_namespace WHERE nspowner = r.oid) AS schemas
         FROM pg_roles r, pg_class c
        WHERE r.rolname = current_user AND c.oid = 'audit_log'::regclass`,
    );
    expect(rows).toEqual([
      { superuser: false, memberOfOwner: false, relations: 0, functions: 0, types: 0, schemas: 0 },
    ]);
  });

  it('gets the everyday rights on tables later migrations create, but none on audit_log beyond adding and reading', async () => {
    const { rows: roles } = await serving.query<{ role: string }>('SELECT current_user AS role');
    const role = roles[0].role;
    await owner.query('BEGIN');
    try {
      await owner.query(
        'CREATE TABLE later_migration_table (id bigint GENERATED ALWAYS AS IDENTITY)',
      );
      const { rows } = await owner.query<Record<string, boolean>>(
        `SELECT has_table_privilege($1, 'later_migration_table', 'SELECT, INSERT, UPDATE, DELETE') AS later,
                has_table_privilege($1, 'later_migration_table', 'TRUNCATE') AS "laterTruncate",
                has_table_privilege($1, 'audit_log', 'SELECT') AS "auditSelect",
                has_table_privilege($1, 'audit_log', 'INSERT') AS "auditInsert",
                has_table_privilege($1, 'audit_log', 'UPDATE') AS "auditUpdate",
                has_table_privilege($1, 'audit_log', 'DELETE') AS "auditDelete",
                has_table_privilege($1, 'audit_log', 'TRUNCATE') AS "auditTruncate",
                has_table_privilege($1, 'audit_log', 'TRIGGER') AS "auditTrigger",
                has_table_privilege($1, 'audit_log', 'REFERENCES') AS "auditReferences",
                has_table_privilege($1, 'schema_migrations', 'INSERT, UPDATE, DELETE') AS "migrationsWrite"`,
        [role],
      );
      expect(rows[0]).toEqual({
        later: true,
        laterTruncate: false,
        auditSelect: true,
        auditInsert: true,
        auditUpdate: false,
        auditDelete: false,
        auditTruncate: false,
        auditTrigger: false,
        auditReferences: false,
        migrationsWrite: false,
      });
    } finally {
      await owner.query('ROLLBACK');
    }
  });
});
