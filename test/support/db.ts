import { Client } from 'pg';

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
