import { randomUUID } from 'node:crypto';
import { Client } from 'pg';

/**
 * A `pg` client on the run's test database, as the global setup left it: by default as the
 * role the service serves as (DATABASE_URL); `owner` as the role that ran the migrations
 * (MIGRATION_DATABASE_URL), for what the service itself may not do.
 */
export async function connectTestDatabase(as: 'serving' | 'owner' = 'serving'): Promise<Client> {
  const url = as === 'owner' ? process.env.MIGRATION_DATABASE_URL : process.env.DATABASE_URL;
  if (!url) {
    throw new Error('DATABASE_URL and MIGRATION_DATABASE_URL are set by the global test setup');
  }
  const client = new Client({ connectionString: url });
  await client.connect();
  return client;
}

export type UserRole = 'patient' | 'clinician' | 'admin';

/** Inserts a user with plain SQL and a unique email; returns its id. */
export async function insertUser(client: Client, role: UserRole): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO users (email, password_hash, display_name, role)
     VALUES ($1, 'not-a-real-hash', $2, $3) RETURNING id`,
    [`${role}-${randomUUID()}@example.test`, `Test ${role}`, role],
  );
  return rows[0].id;
}

export interface AppointmentRow {
  patientId: string;
  clinicianId: string;
  startsAt: string;
  endsAt: string;
  status?: string;
}

/** Inserts an appointment with plain SQL; returns its id. */
export async function insertAppointment(client: Client, row: AppointmentRow): Promise<string> {
  const { rows } = await client.query<{ id: string }>(
    `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at, status)
     VALUES ($1, $2, $3, $4, $5) RETURNING id`,
    [row.patientId, row.clinicianId, row.startsAt, row.endsAt, row.status ?? 'scheduled'],
  );
  return rows[0].id;
}
