import { Client } from 'pg';
import { connectTestDatabase, insertUser } from '../support/pg';

const EXCLUSION_VIOLATION = '23P01';

/** The diary as the database keeps it (migration 11): buffers, holds, expiry, the mirror. */
describe('clinician diary constraints', () => {
  let client: Client;

  beforeAll(async () => {
    client = await connectTestDatabase();
  });

  afterAll(async () => {
    await client.end();
  });

  async function visit(
    clinicianId: string,
    startsAt: string,
    endsAt: string,
    buffers: [number, number] = [0, 0],
  ): Promise<string> {
    const patientId = await insertUser(client, 'patient');
    const { rows } = await client.query<{ id: string }>(
      `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at,
              buffer_before_minutes, buffer_after_minutes)
       VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
      [patientId, clinicianId, startsAt, endsAt, ...buffers],
    );
    return rows[0].id;
  }

  async function hold(
    clinicianId: string,
    from: string,
    to: string,
    live = `now() + interval '5 minutes'`,
  ) {
    const holderId = await insertUser(client, 'patient');
    await client.query(
      `INSERT INTO diary_entries (clinician_id, holder_id, starts_at, ends_at, occupies, live)
       VALUES ($1, $2, $3, $4, tstzrange($3, $4, '[)'), tstzrange(now(), ${live}, '[)'))`,
      [clinicianId, holderId, from, to],
    );
  }

  it('keeps a visit out of another visit’s buffers', async () => {
    const clinicianId = await insertUser(client, 'clinician');
    await visit(clinicianId, '2031-03-03T10:00:00Z', '2031-03-03T10:30:00Z', [0, 15]);
    await expect(
      visit(clinicianId, '2031-03-03T10:40:00Z', '2031-03-03T11:00:00Z'),
    ).rejects.toMatchObject({
      code: EXCLUSION_VIOLATION,
      constraint: 'appointments_clinician_no_overlap',
    });
    await expect(
      visit(clinicianId, '2031-03-03T10:45:00Z', '2031-03-03T11:00:00Z'),
    ).resolves.toEqual(expect.any(String));
  });

  it('mirrors visits into the diary and keeps holds off them, until a hold has lapsed', async () => {
    const clinicianId = await insertUser(client, 'clinician');
    const id = await visit(clinicianId, '2031-03-04T10:00:00Z', '2031-03-04T10:30:00Z', [5, 5]);
    const { rows } = await client.query<{ occupies: string }>(
      `SELECT occupies::text FROM diary_entries WHERE appointment_id = $1`,
      [id],
    );
    expect(rows).toEqual([{ occupies: '["2031-03-04 09:55:00+00","2031-03-04 10:35:00+00")' }]);
    await expect(
      hold(clinicianId, '2031-03-04T10:30:00Z', '2031-03-04T11:00:00Z'),
    ).rejects.toMatchObject({ code: EXCLUSION_VIOLATION, constraint: 'diary_entries_no_overlap' });

    // A hold that lapsed (its live range over) clashes with nothing, though its row is there.
    await hold(clinicianId, '2031-03-04T12:00:00Z', '2031-03-04T12:30:00Z');
    await client.query(
      `UPDATE diary_entries SET live = tstzrange(now() - interval '10 minutes',
              now() - interval '5 minutes', '[)')
        WHERE clinician_id = $1 AND appointment_id IS NULL`,
      [clinicianId],
    );
    await expect(
      visit(clinicianId, '2031-03-04T12:00:00Z', '2031-03-04T12:30:00Z'),
    ).resolves.toEqual(expect.any(String));
    await expect(hold(clinicianId, '2031-03-04T13:00:00Z', '2031-03-04T13:30:00Z')).resolves.toBe(
      undefined,
    );
    await expect(
      hold(clinicianId, '2031-03-04T13:15:00Z', '2031-03-04T13:45:00Z'),
    ).rejects.toMatchObject({ code: EXCLUSION_VIOLATION });
  });

  it('drops a cancelled visit from the diary and moves a rescheduled one', async () => {
    const clinicianId = await insertUser(client, 'clinician');
    const id = await visit(clinicianId, '2031-03-05T10:00:00Z', '2031-03-05T10:30:00Z');
    await client.query(
      `UPDATE appointments SET starts_at = '2031-03-05T11:00:00Z', ends_at = '2031-03-05T11:30:00Z'
        WHERE id = $1`,
      [id],
    );
    const moved = await client.query<{ starts_at: Date }>(
      'SELECT starts_at FROM diary_entries WHERE appointment_id = $1',
      [id],
    );
    expect(moved.rows.map((r) => r.starts_at.toISOString())).toEqual(['2031-03-05T11:00:00.000Z']);
    await client.query(`UPDATE appointments SET status = 'cancelled' WHERE id = $1`, [id]);
    const gone = await client.query('SELECT 1 FROM diary_entries WHERE appointment_id = $1', [id]);
    expect(gone.rows).toEqual([]);
  });
});
