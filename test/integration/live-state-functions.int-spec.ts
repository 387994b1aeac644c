import { randomUUID } from 'node:crypto';
import { Client, Notification } from 'pg';
import { connectTestDatabase, insertAppointment, insertUser } from '../support/pg';

/**
 * The database functions that change live state in one statement (migration 6): what
 * `sockets_change` counts, refuses and announces, and what `presence_announce` broadcasts.
 * The e2e suites prove the same through sockets; these pin the edges a socket test cannot
 * reach cheaply (a release and a claim in one call, watchers too many for a NOTIFY).
 */
describe('live-state functions (sockets_change, presence_announce)', () => {
  let client: Client;
  let listener: Client;
  let instance: string;
  const heard: string[] = [];

  beforeAll(async () => {
    client = await connectTestDatabase();
    listener = await connectTestDatabase();
    listener.on('notification', (message: Notification) => heard.push(message.payload ?? ''));
    await listener.query('LISTEN televisit_presence');
    instance = randomUUID();
    await client.query('INSERT INTO instances (id) VALUES ($1)', [instance]);
  });

  afterAll(async () => {
    await client.query('DELETE FROM instances WHERE id = $1', [instance]);
    await listener.end();
    await client.end();
  });

  beforeEach(() => {
    heard.length = 0;
  });

  /** Waits until every NOTIFY committed so far has arrived (our own ping comes after them). */
  async function announcementsFor(userId: string): Promise<Record<string, unknown>[]> {
    const ping = JSON.stringify({ ping: randomUUID() });
    await client.query(`SELECT pg_notify('televisit_presence', $1)`, [ping]);
    for (let i = 0; i < 100 && !heard.includes(ping); i++) {
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return heard
      .map((payload) => JSON.parse(payload) as Record<string, unknown>)
      .filter((announcement) => announcement.userId === userId);
  }

  async function change(
    claims: { id: string; userId: string }[],
    releases: string[],
    cap = 2,
  ): Promise<string[]> {
    const { rows } = await client.query<{ id: string }>(
      `SELECT id FROM sockets_change($1, $2, $3, $4, $5, now(), '24 hours') AS claimed (id)`,
      [claims.map((c) => c.id), claims.map((c) => c.userId), releases, instance, cap],
    );
    return rows.map((row) => row.id);
  }

  async function socketsOf(userId: string): Promise<string[]> {
    const { rows } = await client.query<{ id: string }>(
      'SELECT id FROM sockets WHERE user_id = $1 ORDER BY id',
      [userId],
    );
    return rows.map((row) => row.id);
  }

  async function pairInVisit(): Promise<{ patient: string; clinician: string }> {
    const patient = await insertUser(client, 'patient');
    const clinician = await insertUser(client, 'clinician');
    const start = new Date(Date.now() + 60 * 60_000);
    await insertAppointment(client, {
      patientId: patient,
      clinicianId: clinician,
      startsAt: start.toISOString(),
      endsAt: new Date(start.getTime() + 30 * 60_000).toISOString(),
    });
    return { patient, clinician };
  }

  it('claims within the cap counted over every instance, in the order given, and refuses the rest', async () => {
    const user = await insertUser(client, 'patient');
    const other = randomUUID();
    await client.query('INSERT INTO instances (id) VALUES ($1)', [other]);
    try {
      const elsewhere = randomUUID();
      await client.query('INSERT INTO sockets (id, instance_id, user_id) VALUES ($1, $2, $3)', [
        elsewhere,
        other,
        user,
      ]);
      const [first, second] = [randomUUID(), randomUUID()];

      const claimed = await change(
        [
          { id: first, userId: user },
          { id: second, userId: user },
        ],
        [],
      );

      expect(claimed).toEqual([first]);
      expect(await socketsOf(user)).toEqual([elsewhere, first].sort());
    } finally {
      await client.query('DELETE FROM instances WHERE id = $1', [other]);
    }
  });

  it('releases before it claims, so a reconnect in the same call fits under the cap', async () => {
    const user = await insertUser(client, 'patient');
    const [old, replacement] = [randomUUID(), randomUUID()];
    expect(await change([{ id: old, userId: user }], [], 1)).toEqual([old]);

    const claimed = await change([{ id: replacement, userId: user }], [old], 1);

    expect(claimed).toEqual([replacement]);
    expect(await socketsOf(user)).toEqual([replacement]);
  });

  it('announces a user coming online and going offline to their contacts, once per change', async () => {
    const { patient, clinician } = await pairInVisit();
    const [socket, second] = [randomUUID(), randomUUID()];

    await change([{ id: socket, userId: patient }], []);
    await change([{ id: second, userId: patient }], []); // still available: no announcement
    const online = await announcementsFor(patient);
    await change([], [socket, second]);
    const all = await announcementsFor(patient);

    expect(online).toEqual([
      {
        userId: patient,
        status: 'available',
        lastSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/),
        watchers: [clinician],
      },
    ]);
    expect(all.map((a) => a.status)).toEqual(['available', 'offline']);
    expect(all[1].watchers).toEqual([clinician]);
  });

  it('announces nothing for a user nobody may see, but still records them', async () => {
    const loner = await insertUser(client, 'patient');

    await change([{ id: randomUUID(), userId: loner }], []);

    expect(await announcementsFor(loner)).toEqual([]);
    const { rows } = await client.query<{ announced: string }>(
      'SELECT announced FROM presence WHERE user_id = $1',
      [loner],
    );
    expect(rows).toEqual([{ announced: 'available' }]);
  });

  it('leaves the watchers out when they would not fit in a NOTIFY', async () => {
    const clinician = await insertUser(client, 'clinician');
    // 220 patients with five-minute visits over the next 19 hours: 220 ids are about 8.8 KB,
    // over what a NOTIFY carries.
    await client.query(
      `WITH patients AS (
         INSERT INTO users (email, password_hash, display_name, role)
         SELECT 'crowd-' || gen_random_uuid() || '@example.test', 'x', 'Crowd', 'patient'
           FROM generate_series(1, 220)
         RETURNING id)
       INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at)
       SELECT id, $1, now() + interval '1 hour' + n * interval '5 minutes',
              now() + interval '1 hour' + (n + 1) * interval '5 minutes'
         FROM (SELECT id, row_number() OVER () AS n FROM patients) AS numbered`,
      [clinician],
    );
    const { rows: contacts } = await client.query(
      `SELECT contact FROM appointment_contacts($1, now(), '24 hours')`,
      [[clinician]],
    );
    expect(contacts).toHaveLength(220);

    await change([{ id: randomUUID(), userId: clinician }], []);

    expect(await announcementsFor(clinician)).toEqual([
      { userId: clinician, status: 'available', lastSeenAt: expect.any(String) },
    ]);
  });
});
