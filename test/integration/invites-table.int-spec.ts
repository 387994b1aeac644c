import { randomBytes, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { connectTestDatabase, insertAppointment, insertUser } from '../support/pg';

const UNIQUE_VIOLATION = '23505';
const CHECK_VIOLATION = '23514';

describe('guests and visit_invites constraints', () => {
  let client: Client;
  let clinicianId: string;
  let appointmentId: string;

  beforeAll(async () => {
    client = await connectTestDatabase();
    clinicianId = await insertUser(client, 'clinician');
    const patientId = await insertUser(client, 'patient');
    const startsAt = new Date(Date.now() + 3_600_000);
    appointmentId = await insertAppointment(client, {
      patientId,
      clinicianId,
      startsAt: startsAt.toISOString(),
      endsAt: new Date(startsAt.getTime() + 1_800_000).toISOString(),
    });
  });

  afterAll(async () => {
    await client.end();
  });

  const guest = async () =>
    (
      await client.query<{ id: string }>(
        `INSERT INTO users (display_name, role) VALUES ('Guest', 'guest') RETURNING id`,
      )
    ).rows[0].id;

  function insertInvite(columns: Record<string, unknown> = {}) {
    const row: Record<string, unknown> = {
      appointment_id: appointmentId,
      role: 'interpreter',
      display_name: 'Sam',
      token_hash: randomBytes(32).toString('hex'),
      created_by: clinicianId,
      created_at: new Date(Date.now() - 60_000),
      expires_at: new Date(Date.now() + 600_000),
      ...columns,
    };
    const names = Object.keys(row);
    return client.query<{ id: string }>(
      `INSERT INTO visit_invites (${names.join(', ')})
       VALUES (${names.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id`,
      Object.values(row),
    );
  }

  it('a guest has neither email nor password; every other role has both', async () => {
    await expect(guest()).resolves.toEqual(expect.any(String));
    await expect(
      client.query(
        `INSERT INTO users (email, password_hash, display_name, role)
         VALUES ($1, 'h', 'G', 'guest')`,
        [`g-${randomUUID()}@example.test`],
      ),
    ).rejects.toMatchObject({ code: CHECK_VIOLATION, constraint: 'users_guest_credentials' });
    await expect(
      client.query(`INSERT INTO users (display_name, role) VALUES ('P', 'patient')`),
    ).rejects.toMatchObject({ code: CHECK_VIOLATION, constraint: 'users_guest_credentials' });
  });

  it('an account-less invite is redeemed exactly when its guest exists, once', async () => {
    await expect(insertInvite({ redeemed_at: new Date() })).rejects.toMatchObject({
      code: CHECK_VIOLATION,
      constraint: 'visit_invites_redeemed_by_guest',
    });
    const guestId = await guest();
    await expect(insertInvite({ guest_user_id: guestId })).rejects.toMatchObject({
      code: CHECK_VIOLATION,
      constraint: 'visit_invites_redeemed_by_guest',
    });
    await insertInvite({ guest_user_id: guestId, redeemed_at: new Date() });
    await expect(
      insertInvite({ guest_user_id: guestId, redeemed_at: new Date() }),
    ).rejects.toMatchObject({ code: UNIQUE_VIOLATION, constraint: 'visit_invites_guest_user_key' });
  });

  it('never for an account and a guest at once; one live invite per account', async () => {
    const other = await insertUser(client, 'clinician');
    await expect(
      insertInvite({ user_id: other, guest_user_id: await guest(), redeemed_at: new Date() }),
    ).rejects.toMatchObject({ code: CHECK_VIOLATION, constraint: 'visit_invites_one_holder' });
    const { rows } = await insertInvite({ user_id: other });
    await expect(insertInvite({ user_id: other })).rejects.toMatchObject({
      code: UNIQUE_VIOLATION,
      constraint: 'visit_invites_one_per_user',
    });
    await client.query(`UPDATE visit_invites SET revoked_at = now() WHERE id = $1`, [rows[0].id]);
    await expect(insertInvite({ user_id: other })).resolves.toBeDefined();
  });

  it('refuses a role, a name, a hash or an expiry out of bounds', async () => {
    for (const [columns, constraint] of [
      [{ role: 'patient' }, 'visit_invites_role_check'],
      [{ display_name: '' }, 'visit_invites_display_name_check'],
      [{ display_name: 'x'.repeat(101) }, 'visit_invites_display_name_check'],
      [{ token_hash: 'not-a-hash' }, 'visit_invites_token_hash_check'],
      [{ expires_at: new Date(Date.now() - 120_000) }, 'visit_invites_expiry_check'],
    ] as const) {
      await expect(insertInvite(columns)).rejects.toMatchObject({
        code: CHECK_VIOLATION,
        constraint,
      });
    }
    const hash = randomBytes(32).toString('hex');
    await insertInvite({ token_hash: hash });
    await expect(insertInvite({ token_hash: hash })).rejects.toMatchObject({
      code: UNIQUE_VIOLATION,
      constraint: 'visit_invites_token_hash_key',
    });
  });
});
