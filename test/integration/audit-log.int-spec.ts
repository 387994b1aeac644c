import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectTestDatabase } from '../support/pg';

// The trigger raises insufficient_privilege: changing the log is never allowed.
const appendOnly = { code: '42501', message: 'audit_log is append-only' };

describe('audit_log is append-only', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connectTestDatabase();
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
