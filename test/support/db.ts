import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { asUser, LOCAL_SERVING_ROLE } from '../../src/database/database-roles';

/**
 * Direct SQL on the run's test database, for states the API rightly refuses to create (a visit
 * whose start has already passed). Each call opens and closes its own connection, so a suite
 * has nothing to clean up.
 */
export async function query<T = Record<string, unknown>>(
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  const connectionString = process.env.DATABASE_URL;
  if (!connectionString) {
    throw new Error('DATABASE_URL is set by the global test setup');
  }
  const client = new Client({ connectionString });
  await client.connect();
  try {
    return (await client.query(text, params)).rows as T[];
  } finally {
    await client.end();
  }
}

export interface AppointmentRow {
  patientId: string;
  clinicianId: string;
  startsAt: string;
  endsAt: string;
  status?: 'scheduled' | 'in_progress' | 'completed' | 'cancelled' | 'no_show';
}

/** Inserts an appointment behind the API's back (no time rules) and answers its id. */
export async function insertAppointment(row: AppointmentRow): Promise<string> {
  const [{ id }] = await query<{ id: string }>(
    `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at, status)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [row.patientId, row.clinicianId, row.startsAt, row.endsAt, row.status ?? 'scheduled'],
  );
  return id;
}

/**
 * A database of the run's server for one suite alone (its instances run schedulers on it).
 * `url` is the owner's (the server's role, as TEST_SERVER_URL), `servingUrl` the serving
 * role's, and `env` both as a service on it is configured.
 */
export async function createScratchDatabase(
  prefix: string,
  serverUrl = process.env.TEST_SERVER_URL,
) {
  if (!serverUrl) {
    throw new Error('TEST_SERVER_URL is set by the global test setup');
  }
  const name = `${prefix}_${randomBytes(6).toString('hex')}`;
  const server = new Client({ connectionString: serverUrl });
  await server.connect();
  await server.query(`CREATE DATABASE "${name}"`);
  const owner = new URL(serverUrl);
  owner.pathname = `/${name}`;
  const url = owner.toString();
  const servingUrl = asUser(url, LOCAL_SERVING_ROLE.user, LOCAL_SERVING_ROLE.password);
  return {
    url,
    servingUrl,
    env: { DATABASE_URL: servingUrl, MIGRATION_DATABASE_URL: url },
    async drop(): Promise<void> {
      try {
        await server.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await server.end();
      }
    },
  };
}
