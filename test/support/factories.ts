import { randomUUID } from 'node:crypto';
import type { Api } from './api';
import { ALWAYS_OPEN, publishSchedule, ScheduleBody } from './schedules';
import type { Served } from './test-app';

export const PASSWORD = 'correct-horse-battery';

export interface TestUser {
  id: string;
  email: string;
  password: string;
  displayName: string;
  role: 'patient' | 'clinician' | 'admin';
  token: string;
  refreshToken: string;
}

export function uniqueEmail(prefix = 'user'): string {
  return `${prefix}-${randomUUID()}@example.test`;
}

export async function login(api: Api, email: string, password = PASSWORD) {
  const response = await api.post('/api/auth/login', { email, password });
  if (response.status !== 200) {
    throw new Error(`login failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body as { accessToken: string; refreshToken: string; user: { id: string } };
}

export async function loginAdmin(app: Served): Promise<TestUser> {
  const tokens = await login(app.api, app.admin.email, app.admin.password);
  return {
    id: tokens.user.id,
    email: app.admin.email,
    password: app.admin.password,
    displayName: 'Administrator',
    role: 'admin',
    token: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  };
}

export async function makePatient(api: Api, displayName = 'Pat Patient'): Promise<TestUser> {
  const email = uniqueEmail('patient');
  const created = await api.post('/api/auth/register', { email, password: PASSWORD, displayName });
  if (created.status !== 201) {
    throw new Error(`register failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  const tokens = await login(api, email);
  return {
    id: tokens.user.id,
    email,
    password: PASSWORD,
    displayName,
    role: 'patient',
    token: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  };
}

export async function makeStaff(
  api: Api,
  adminToken: string,
  role: 'clinician' | 'admin' = 'clinician',
  displayName = 'Dr Casey Clinician',
  options: { schedule?: ScheduleBody | null } = {},
): Promise<TestUser> {
  const email = uniqueEmail(role);
  const created = await api.post(
    '/api/users',
    { email, password: PASSWORD, displayName, role },
    { token: adminToken },
  );
  if (created.status !== 201) {
    throw new Error(`create user failed: ${created.status} ${JSON.stringify(created.body)}`);
  }
  const tokens = await login(api, email);
  // Patients book only free slots: a clinician is open around the clock unless a test about
  // scheduling says otherwise (null: no schedule at all).
  const schedule = options.schedule === undefined ? ALWAYS_OPEN : options.schedule;
  if (role === 'clinician' && schedule !== null) {
    await publishSchedule(api, tokens.user.id, tokens.accessToken, schedule);
  }
  return {
    id: tokens.user.id,
    email,
    password: PASSWORD,
    displayName,
    role,
    token: tokens.accessToken,
    refreshToken: tokens.refreshToken,
  };
}

/** A time `minutes` from now, on a whole minute, as ISO-8601. */
export function minutesFromNow(minutes: number): string {
  const date = new Date(Date.now() + minutes * 60_000);
  date.setUTCSeconds(0, 0);
  return date.toISOString();
}

/** A slot `startInMinutes` from now lasting `lengthMinutes`. */
export function slot(startInMinutes: number, lengthMinutes = 30) {
  const startsAt = minutesFromNow(startInMinutes);
  const endsAt = new Date(Date.parse(startsAt) + lengthMinutes * 60_000).toISOString();
  return { startsAt, endsAt };
}
