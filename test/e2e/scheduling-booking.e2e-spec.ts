import type { ApiResponse } from '../support/api';
import { loginAdmin, makePatient, makeStaff, TestUser } from '../support/factories';
import { schedule, ScheduleBody } from '../support/schedules';
import { startTestApp, TestApp } from '../support/test-app';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** `hour`:00 UTC, `days` from today (UTC). */
function utcAt(days: number, hour: number, minute = 0): number {
  const today = new Date();
  return Date.UTC(
    today.getUTCFullYear(),
    today.getUTCMonth(),
    today.getUTCDate() + days,
    hour,
    minute,
  );
}

function times(start: number, minutes = 30) {
  return {
    startsAt: new Date(start).toISOString(),
    endsAt: new Date(start + minutes * MINUTE).toISOString(),
  };
}

function outcome(res: ApiResponse): [number, string | undefined] {
  return [res.status, (res.body as { code?: string } | undefined)?.code];
}

/** Around the clock in UTC on a half-hour grid (so times are easy to name), with these changes. */
const halfHourly = (changes: Partial<ScheduleBody> = {}) =>
  schedule({ slotMinutes: 30, ...changes });

describe('booking against the schedule (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const clinicianWith = (hours: ScheduleBody | null) =>
    makeStaff(t.api, admin.token, 'clinician', 'Dr Slots', { schedule: hours });
  const book = (who: TestUser, body: Record<string, unknown>) =>
    t.api.post('/api/appointments', body, { token: who.token });
  const slotsOf = (clinician: TestUser, who: TestUser, query: Record<string, string>) =>
    t.api.get(`/api/clinicians/${clinician.id}/slots?${new URLSearchParams(query)}`, {
      token: who.token,
    });
  const offered = async (clinician: TestUser, who: TestUser, from: number, to: number) => {
    const res = await slotsOf(clinician, who, {
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      duration: '30',
    });
    expect(res.status).toBe(200);
    return (res.body.items as { startsAt: string }[]).map((s) => Date.parse(s.startsAt));
  };

  it('lets a patient book only an offered slot; staff may book outside the hours', async () => {
    const clinician = await clinicianWith(
      halfHourly({
        weekly: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'].map((day) => ({
          day,
          start: '09:00',
          end: '12:00',
        })),
      }),
    );
    const patient = await makePatient(t.api);
    const nine = utcAt(2, 9);
    expect(
      outcome(await book(patient, { clinicianId: clinician.id, ...times(nine + 10 * MINUTE) })),
    ).toEqual([409, 'SLOT_UNAVAILABLE']);
    expect(
      outcome(await book(patient, { clinicianId: clinician.id, ...times(utcAt(2, 13)) })),
    ).toEqual([409, 'SLOT_UNAVAILABLE']);
    expect(outcome(await book(patient, { clinicianId: clinician.id, ...times(nine) }))).toEqual([
      201,
      undefined,
    ]);
    const extra = await book(clinician, {
      clinicianId: clinician.id,
      patientId: patient.id,
      ...times(utcAt(2, 13)),
    });
    expect(outcome(extra)).toEqual([201, undefined]);
    const overlapping = await book(admin, {
      clinicianId: clinician.id,
      patientId: (await makePatient(t.api)).id,
      ...times(utcAt(2, 13, 15)),
    });
    expect(outcome(overlapping)).toEqual([409, 'APPOINTMENT_CONFLICT']);
  });

  it('refuses a patient when the clinician has no schedule, and offers nothing', async () => {
    const clinician = await clinicianWith(null);
    const patient = await makePatient(t.api);
    const start = utcAt(1, 10);
    expect(outcome(await book(patient, { clinicianId: clinician.id, ...times(start) }))).toEqual([
      409,
      'SLOT_UNAVAILABLE',
    ]);
    expect(await offered(clinician, patient, start - DAY, start + DAY)).toEqual([]);
    const byClinician = await book(clinician, {
      clinicianId: clinician.id,
      patientId: patient.id,
      ...times(start),
    });
    expect(outcome(byClinician)).toEqual([201, undefined]);
  });

  it('keeps a visit’s buffers out of the offer and out of the database', async () => {
    const clinician = await clinicianWith(
      halfHourly({ bufferBeforeMinutes: 10, bufferAfterMinutes: 15 }),
    );
    const first = await makePatient(t.api);
    const second = await makePatient(t.api);
    const ten = utcAt(3, 10);
    expect(outcome(await book(first, { clinicianId: clinician.id, ...times(ten) }))).toEqual([
      201,
      undefined,
    ]);
    const free = await offered(clinician, second, ten - 2 * 60 * MINUTE, ten + 2 * 60 * MINUTE);
    // 09:30 would end at 10:00 and meet the visit's 09:50 buffer; 10:30 starts in its after-buffer.
    expect(free.map((s) => (s - ten) / MINUTE)).toEqual([-120, -90, -60, 60, 90]);
    expect(
      outcome(await book(second, { clinicianId: clinician.id, ...times(ten + 30 * MINUTE) })),
    ).toEqual([409, 'SLOT_UNAVAILABLE']);
    // Staff skip the hours check, not the buffers: the database refuses the overlap.
    const byStaff = await book(clinician, {
      clinicianId: clinician.id,
      patientId: second.id,
      ...times(ten + 35 * MINUTE, 20),
    });
    expect(outcome(byStaff)).toEqual([409, 'APPOINTMENT_CONFLICT']);
    expect(
      outcome(await book(second, { clinicianId: clinician.id, ...times(ten + 60 * MINUTE) })),
    ).toEqual([201, undefined]);
  });

  it('gives one slot to exactly one of 20 patients racing for it', async () => {
    const clinician = await clinicianWith(halfHourly({ bufferAfterMinutes: 5 }));
    const patients = await Promise.all(Array.from({ length: 20 }, () => makePatient(t.api)));
    const start = utcAt(4, 15);
    const results = await Promise.all(
      patients.map((p, i) =>
        // Half aim at the start, half at the next slot, which the first's buffer reaches into.
        book(p, { clinicianId: clinician.id, ...times(i % 2 === 0 ? start : start + 30 * MINUTE) }),
      ),
    );
    const statuses = results.map((r) => r.status).sort();
    expect(statuses.filter((s) => s === 201)).toHaveLength(1);
    expect(results.filter((r) => r.status === 409).map((r) => r.body.code)).toEqual(
      Array(19).fill('SLOT_UNAVAILABLE'),
    );
  });

  it('holds patients to the minimum notice and the booking horizon', async () => {
    const clinician = await clinicianWith(
      halfHourly({ minimumNoticeMinutes: 24 * 60, bookingHorizonDays: 3 }),
    );
    const patient = await makePatient(t.api);
    const halfHour = 30 * MINUTE;
    const soon = (Math.floor(Date.now() / halfHour) + 3) * halfHour;
    expect(outcome(await book(patient, { clinicianId: clinician.id, ...times(soon) }))).toEqual([
      409,
      'SLOT_UNAVAILABLE',
    ]);
    expect(
      outcome(await book(patient, { clinicianId: clinician.id, ...times(utcAt(5, 10)) })),
    ).toEqual([409, 'SLOT_UNAVAILABLE']);
    const free = await offered(clinician, patient, Date.now(), Date.now() + 5 * DAY);
    expect(free[0]).toBeGreaterThanOrEqual(Date.now() + DAY - MINUTE);
    expect(free[free.length - 1]).toBeLessThanOrEqual(Date.now() + 3 * DAY);
    expect(outcome(await book(patient, { clinicianId: clinician.id, ...times(free[0]) }))).toEqual([
      201,
      undefined,
    ]);
  });

  it('lets a patient move their visit into its own old time, with excludeAppointment', async () => {
    const clinician = await clinicianWith(halfHourly({ bufferAfterMinutes: 30 }));
    const patient = await makePatient(t.api);
    const stranger = await makePatient(t.api);
    const ten = utcAt(6, 10);
    const booked = await book(patient, { clinicianId: clinician.id, ...times(ten) });
    expect(booked.status).toBe(201);
    const window = {
      from: new Date(ten).toISOString(),
      to: new Date(ten + 2 * 60 * MINUTE).toISOString(),
      duration: '30',
    };
    const plain = await slotsOf(clinician, patient, window);
    expect(plain.body.items.map((s: { startsAt: string }) => s.startsAt)).toEqual([
      new Date(ten + 60 * MINUTE).toISOString(),
      new Date(ten + 90 * MINUTE).toISOString(),
    ]);
    const own = await slotsOf(clinician, patient, {
      ...window,
      excludeAppointment: booked.body.id,
    });
    expect(own.body.items[0].startsAt).toBe(new Date(ten).toISOString());
    expect(own.body.items[1].startsAt).toBe(new Date(ten + 30 * MINUTE).toISOString());
    const foreign = await slotsOf(clinician, stranger, {
      ...window,
      excludeAppointment: booked.body.id,
    });
    expect(outcome(foreign)).toEqual([404, 'APPOINTMENT_NOT_FOUND']);

    const moved = await t.api.patch(
      `/api/appointments/${booked.body.id}`,
      times(ten + 30 * MINUTE),
      {
        token: patient.token,
        headers: { 'If-Match': '"1"' },
      },
    );
    expect(outcome(moved)).toEqual([200, undefined]);
    const offGrid = await t.api.patch(
      `/api/appointments/${booked.body.id}`,
      times(ten + 40 * MINUTE),
      {
        token: patient.token,
        headers: { 'If-Match': '"2"' },
      },
    );
    expect(outcome(offGrid)).toEqual([409, 'SLOT_UNAVAILABLE']);
  });
});
