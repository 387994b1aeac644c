import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectTestDatabase } from '../support/pg';

const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';

describe('users table constraints', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connectTestDatabase();
  });

  afterAll(async () => {
    await client.end();
  });

  function insert(email: string, role = 'patient', displayName = 'Test User') {
    return client.query<{ id: string }>(
      `INSERT INTO users (email, password_hash, display_name, role)
       VALUES ($1, 'not-a-real-hash', $2, $3) RETURNING id`,
      [email, displayName, role],
    );
  }

  async function countByEmail(email: string): Promise<number> {
    const { rows } = await client.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM users WHERE lower(email) = lower($1)',
      [email],
    );
    return rows[0].n;
  }

  const uniqueEmail = () => `user-${randomUUID()}@example.test`;

  it('stores a user with a lowercase email', async () => {
    const email = uniqueEmail();
    const { rows } = await insert(email);
    expect(rows).toHaveLength(1);
    expect(await countByEmail(email)).toBe(1);
  });

  it('refuses a second user with the same email (users_email_key)', async () => {
    const email = uniqueEmail();
    await insert(email);
    await expect(insert(email, 'clinician')).rejects.toMatchObject({
      code: UNIQUE_VIOLATION,
      constraint: 'users_email_key',
    });
    expect(await countByEmail(email)).toBe(1);
  });

  it('refuses an email with capitals (users_email_lowercase)', async () => {
    const email = `User-${randomUUID()}@Example.test`;
    await expect(insert(email)).rejects.toMatchObject({
      code: CHECK_VIOLATION,
      constraint: 'users_email_lowercase',
    });
    expect(await countByEmail(email)).toBe(0);
  });

  it('so a differently-cased copy of an existing email cannot get in either', async () => {
    const email = uniqueEmail();
    await insert(email);
    await expect(insert(email.toUpperCase())).rejects.toMatchObject({ code: CHECK_VIOLATION });
    expect(await countByEmail(email)).toBe(1);
  });

  it('refuses changing an email to one with capitals', async () => {
    const email = uniqueEmail();
    const { rows } = await insert(email);
    await expect(
      client.query('UPDATE users SET email = upper(email) WHERE id = $1', [rows[0].id]),
    ).rejects.toMatchObject({ code: CHECK_VIOLATION, constraint: 'users_email_lowercase' });
    const after = await client.query<{ email: string }>('SELECT email FROM users WHERE id = $1', [
      rows[0].id,
    ]);
    expect(after.rows[0].email).toBe(email);
  });

  it('refuses an email not in Unicode NFC (users_email_nfc), and takes its NFC form', async () => {
    const local = `jose-${randomUUID()}`;
    await expect(insert(`${local}e\u0301@example.test`)).rejects.toMatchObject({
      code: CHECK_VIOLATION,
      constraint: 'users_email_nfc',
    });
    const { rows } = await insert(`${local}\u00e9@example.test`);
    expect(rows).toHaveLength(1);
  });

  it.each(['patient', 'clinician', 'admin'])('accepts the role %s', async (role) => {
    const email = uniqueEmail();
    await insert(email, role);
    expect(await countByEmail(email)).toBe(1);
  });

  it.each(['superuser', 'Patient', 'ADMIN', 'nurse', ''])(
    'refuses the role %j (users_role_check)',
    async (role) => {
      const email = uniqueEmail();
      await expect(insert(email, role)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
        constraint: 'users_role_check',
      });
      expect(await countByEmail(email)).toBe(0);
    },
  );

  it.each([
    ['empty', ''],
    ['over 100 characters', 'x'.repeat(101)],
  ])('refuses a display name that is %s (users_display_name_check)', async (_label, name) => {
    const email = uniqueEmail();
    await expect(insert(email, 'patient', name)).rejects.toMatchObject({
      code: CHECK_VIOLATION,
      constraint: 'users_display_name_check',
    });
    expect(await countByEmail(email)).toBe(0);
  });
});
