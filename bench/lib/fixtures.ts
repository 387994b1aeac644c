import { randomUUID } from 'node:crypto';
import { sign } from 'jsonwebtoken';
import type { Client } from 'pg';

export interface BenchUser {
  id: string;
  role: 'patient' | 'clinician';
  token: string;
}

export interface BenchVisit {
  appointmentId: string;
  patient: BenchUser;
  clinician: BenchUser;
}

export interface BenchSchedule {
  timeZone: string;
  weekly: { day: string; start: string; end: string }[];
  slotMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
}

const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** Open around the clock on a one-minute grid: patients may book these clinicians any time. */
export const ALWAYS_OPEN: BenchSchedule = {
  timeZone: 'UTC',
  weekly: WEEKDAYS.map((day) => ({ day, start: '00:00', end: '00:00' })),
  slotMinutes: 1,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  bookingHorizonDays: 730,
};

/** Every day `start`–`end` in `timeZone`, with the given grid and buffers. */
export function dailySchedule(changes: Partial<BenchSchedule>): BenchSchedule {
  return { ...ALWAYS_OPEN, ...changes };
}

/** Publishes a schedule for each clinician, straight into the table (as PUT would store it). */
export async function publishSchedules(
  db: Client,
  clinicianIds: string[],
  schedule: BenchSchedule,
): Promise<void> {
  await db.query(
    `INSERT INTO clinician_schedules (clinician_id, time_zone, weekly, overrides, slot_minutes,
            buffer_before_minutes, buffer_after_minutes, minimum_notice_minutes,
            booking_horizon_days)
     SELECT id, $2, $3, '[]', $4, $5, $6, $7, $8 FROM unnest($1::uuid[]) AS id`,
    [
      clinicianIds,
      schedule.timeZone,
      JSON.stringify(schedule.weekly),
      schedule.slotMinutes,
      schedule.bufferBeforeMinutes,
      schedule.bufferAfterMinutes,
      schedule.minimumNoticeMinutes,
      schedule.bookingHorizonDays,
    ],
  );
}

/**
 * Users written straight into the database with a live login each, and access tokens signed
 * with the service's secret: thousands of users in a second, where registering them through
 * the API would spend minutes hashing passwords. (Login itself is measured on its own.)
 */
export async function seedUsers(
  db: Client,
  secret: string,
  role: BenchUser['role'],
  count: number,
  options: { schedule?: BenchSchedule | null } = {},
): Promise<BenchUser[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  const sessions = ids.map(() => randomUUID());
  await db.query(
    `INSERT INTO users (id, email, password_hash, display_name, role)
     SELECT id, 'bench-' || id || '@bench.test', 'not-a-login', $3 || ' ' || n, $2
       FROM unnest($1::uuid[]) WITH ORDINALITY AS u (id, n)`,
    [ids, role, role === 'patient' ? 'Patient' : 'Dr'],
  );
  await db.query(
    `INSERT INTO auth_sessions (id, user_id, expires_at)
     SELECT s, u, now() + interval '1 day' FROM unnest($1::uuid[], $2::uuid[]) AS t (s, u)`,
    [sessions, ids],
  );
  const schedule = options.schedule === undefined ? ALWAYS_OPEN : options.schedule;
  if (role === 'clinician' && schedule !== null) {
    await publishSchedules(db, ids, schedule);
  }
  return ids.map((id, i) => ({
    id,
    role,
    token: sign({ sub: id, role, sid: sessions[i] }, secret, {
      algorithm: 'HS256',
      issuer: 'televisit',
      audience: 'televisit',
      expiresIn: '6h',
    }),
  }));
}

/** Visits running now (joinable), each between its own patient and clinician. */
export async function seedVisits(db: Client, secret: string, count: number): Promise<BenchVisit[]> {
  const patients = await seedUsers(db, secret, 'patient', count);
  const clinicians = await seedUsers(db, secret, 'clinician', count);
  const { rows } = await db.query<{ id: string; patient_id: string }>(
    `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at)
     SELECT p, c, now() - interval '1 minute', now() + interval '3 hours'
       FROM unnest($1::uuid[], $2::uuid[]) AS t (p, c)
     RETURNING id, patient_id`,
    [patients.map((u) => u.id), clinicians.map((u) => u.id)],
  );
  const byPatient = new Map(rows.map((row) => [row.patient_id, row.id]));
  return patients.map((patient, i) => ({
    appointmentId: byPatient.get(patient.id) as string,
    patient,
    clinician: clinicians[i],
  }));
}

/** A patient with `count` future appointments (for the list). */
export async function seedDiary(db: Client, secret: string, count: number): Promise<BenchUser> {
  const [patient] = await seedUsers(db, secret, 'patient', 1);
  const clinicians = await seedUsers(db, secret, 'clinician', count);
  await db.query(
    `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at)
     SELECT $1, c, now() + n * interval '1 day', now() + n * interval '1 day' + interval '30 minutes'
       FROM unnest($2::uuid[]) WITH ORDINALITY AS t (c, n)`,
    [patient.id, clinicians.map((u) => u.id)],
  );
  return patient;
}

/**
 * Booking requests, one list per load connection: connection `c`'s booker books clinician `c`,
 * a 15-minute visit every 30 minutes from the first half hour at or after `base` (so every one
 * of them is free, and on any slot grid that divides half an hour).
 */
export function bookingRequests(
  bookers: BenchUser[],
  clinicians: BenchUser[],
  perConnection: number,
  base: number,
  extra: (c: number) => object = () => ({}),
) {
  const halfHour = 30 * 60_000;
  const first = Math.ceil(base / halfHour) * halfHour;
  return bookers.map((booker, c) =>
    Array.from({ length: perConnection }, (_, k) => ({
      method: 'POST',
      path: '/api/appointments',
      headers: { authorization: `Bearer ${booker.token}` },
      body: JSON.stringify({
        clinicianId: clinicians[c].id,
        ...extra(c),
        startsAt: new Date(first + k * halfHour).toISOString(),
        endsAt: new Date(first + k * halfHour + 15 * 60_000).toISOString(),
      }),
    })),
  );
}
