import type { Api } from './api';

export interface ScheduleBody {
  timeZone: string;
  weekly: { day: string; start: string; end: string }[];
  overrides: { date: string; intervals: { start: string; end: string }[] }[];
  slotMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
}

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/**
 * Open around the clock, every day, on a one-minute grid, without notice or buffers: what the
 * clinicians of tests that are not about scheduling publish, so a patient may book them at any
 * whole minute, as before schedules existed. (Touching intervals are one stretch: a visit may
 * cross midnight.)
 */
export const ALWAYS_OPEN: ScheduleBody = {
  timeZone: 'UTC',
  weekly: WEEKDAYS.map((day) => ({ day, start: '00:00', end: '00:00' })),
  overrides: [],
  slotMinutes: 1,
  bufferBeforeMinutes: 0,
  bufferAfterMinutes: 0,
  minimumNoticeMinutes: 0,
  bookingHorizonDays: 730,
};

/** A schedule with these changes from ALWAYS_OPEN. */
export function schedule(changes: Partial<ScheduleBody>): ScheduleBody {
  return { ...ALWAYS_OPEN, ...changes };
}

/** Publishes (or, with `version`, replaces) a clinician's schedule; answers the saved one. */
export async function publishSchedule(
  api: Api,
  clinicianId: string,
  token: string,
  body: ScheduleBody,
  version?: number,
): Promise<ScheduleBody & { version: number }> {
  const response = await api.put(`/api/clinicians/${clinicianId}/schedule`, body, {
    token,
    headers: version === undefined ? {} : { 'If-Match': `"${version}"` },
  });
  if (response.status !== 200) {
    throw new Error(`publish schedule failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  return response.body as ScheduleBody & { version: number };
}
