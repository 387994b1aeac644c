import { DateTime } from 'luxon';
import type { ApiResponse } from '../support/api';
import { query } from '../support/db';
import { loginAdmin, makePatient, makeStaff, TestUser } from '../support/factories';
import { schedule, ScheduleBody, WEEKDAYS } from '../support/schedules';
import { startTestApp, TestApp } from '../support/test-app';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

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

describe('slot holds, and search and booking agreeing (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const clinicianWith = (hours: ScheduleBody) =>
    makeStaff(t.api, admin.token, 'clinician', 'Dr Holds', { schedule: hours });
  const hold = (who: TestUser, body: Record<string, unknown>) =>
    t.api.post('/api/slot-holds', body, { token: who.token });
  const book = (who: TestUser, body: Record<string, unknown>) =>
    t.api.post('/api/appointments', body, { token: who.token });
  const offered = async (clinician: TestUser, who: TestUser, from: number, to: number) => {
    const query = new URLSearchParams({
      from: new Date(from).toISOString(),
      to: new Date(to).toISOString(),
      duration: '30',
    });
    const res = await t.api.get(`/api/clinicians/${clinician.id}/slots?${query}`, {
      token: who.token,
    });
    expect(res.status).toBe(200);
    return (res.body.items as { startsAt: string }[]).map((s) => Date.parse(s.startsAt));
  };

  it('keeps a held slot from everyone but its holder, who books it with holdId', async () => {
    const clinician = await clinicianWith(schedule({ slotMinutes: 30, bufferAfterMinutes: 10 }));
    const [chooser, other] = await Promise.all([makePatient(t.api), makePatient(t.api)]);
    const start = utcAt(2, 10);
    const held = await hold(chooser, { clinicianId: clinician.id, ...times(start) });
    expect(outcome(held)).toEqual([201, undefined]);
    expect(Object.keys(held.body).sort()).toEqual(['expiresAt', 'id']);
    const lapses = Date.parse(held.body.expiresAt) - Date.now();
    expect(lapses).toBeGreaterThan(4 * MINUTE);
    expect(lapses).toBeLessThanOrEqual(5 * MINUTE + 5_000);

    const window = [start - 60 * MINUTE, start + 90 * MINUTE] as const;
    // 09:30 would end in the hold's time with its own buffer; the hold's reaches into 10:30.
    expect((await offered(clinician, other, ...window)).map((s) => (s - start) / MINUTE)).toEqual([
      -60, 60,
    ]);
    expect(await offered(clinician, chooser, ...window)).toContain(start);
    expect(outcome(await book(other, { clinicianId: clinician.id, ...times(start) }))).toEqual([
      409,
      'SLOT_UNAVAILABLE',
    ]);
    expect(outcome(await hold(other, { clinicianId: clinician.id, ...times(start) }))).toEqual([
      409,
      'SLOT_UNAVAILABLE',
    ]);
    // Staff skip the hours, not the database: a hold is in the diary like a visit.
    const staff = await book(clinician, {
      clinicianId: clinician.id,
      patientId: other.id,
      ...times(start + 15 * MINUTE),
    });
    expect(outcome(staff)).toEqual([409, 'APPOINTMENT_CONFLICT']);

    const stranger = await book(other, {
      clinicianId: clinician.id,
      holdId: held.body.id,
      ...times(start + 60 * MINUTE),
    });
    expect(outcome(stranger)).toEqual([404, 'HOLD_NOT_FOUND']);
    const booked = await book(chooser, {
      clinicianId: clinician.id,
      holdId: held.body.id,
      ...times(start),
    });
    expect(outcome(booked)).toEqual([201, undefined]);
    const gone = await t.api.request('DELETE', `/api/slot-holds/${held.body.id}`, undefined, {
      token: chooser.token,
    });
    expect(outcome(gone)).toEqual([404, 'HOLD_NOT_FOUND']);
  });

  it('frees a released hold at once, and refuses to release someone else’s', async () => {
    const clinician = await clinicianWith(schedule({ slotMinutes: 30 }));
    const [chooser, other] = await Promise.all([makePatient(t.api), makePatient(t.api)]);
    const start = utcAt(3, 11);
    const held = await hold(chooser, { clinicianId: clinician.id, ...times(start) });
    const release = (who: TestUser) =>
      t.api.request('DELETE', `/api/slot-holds/${held.body.id}`, undefined, { token: who.token });
    expect(outcome(await release(other))).toEqual([404, 'HOLD_NOT_FOUND']);
    expect(outcome(await release(chooser))).toEqual([204, undefined]);
    expect(outcome(await book(other, { clinicianId: clinician.id, ...times(start) }))).toEqual([
      201,
      undefined,
    ]);
  });

  it('lets an expired hold stop counting without anything deleting it', async () => {
    const clinician = await clinicianWith(schedule({ slotMinutes: 30 }));
    const [chooser, other, third] = await Promise.all([
      makePatient(t.api),
      makePatient(t.api),
      makePatient(t.api),
    ]);
    const start = utcAt(3, 14);
    const held = await hold(chooser, { clinicianId: clinician.id, ...times(start) });
    expect(held.status).toBe(201);
    // Time passes for the hold: its five minutes are over, the row is still there.
    await query(
      `UPDATE diary_entries SET live = tstzrange(now() - interval '10 minutes',
              now() - interval '5 minutes', '[)') WHERE id = $1`,
      [held.body.id],
    );
    expect(await offered(clinician, other, start, start + 30 * MINUTE)).toEqual([start]);
    expect(outcome(await hold(third, { clinicianId: clinician.id, ...times(start) }))).toEqual([
      201,
      undefined,
    ]);
    expect(outcome(await book(third, { clinicianId: clinician.id, ...times(start) }))).toEqual([
      201,
      undefined,
    ]);
  });

  it('lets exactly one of a booking and a hold racing for a slot win', async () => {
    const clinician = await clinicianWith(schedule({ slotMinutes: 30 }));
    for (let round = 0; round < 5; round += 1) {
      const [booker, holder] = await Promise.all([makePatient(t.api), makePatient(t.api)]);
      const slot = times(utcAt(4, 8 + round));
      const [booked, held] = await Promise.all([
        book(booker, { clinicianId: clinician.id, ...slot }),
        hold(holder, { clinicianId: clinician.id, ...slot }),
      ]);
      expect([booked.status, held.status].sort()).toEqual([201, 409]);
    }
  });

  it('books every slot the search offers and refuses every grid time it does not, for a busy month', async () => {
    const hours = schedule({
      timeZone: 'America/New_York',
      weekly: WEEKDAYS.filter((d) => d !== 'sun').map((day) => ({
        day,
        start: '08:00',
        end: '18:00',
      })),
      overrides: [],
      slotMinutes: 30,
      bufferBeforeMinutes: 5,
      bufferAfterMinutes: 10,
      minimumNoticeMinutes: 120,
      bookingHorizonDays: 28,
    });
    const clinician = await clinicianWith(hours);
    const from = Date.now();
    const to = from + 31 * DAY;
    // 200 visits at random times (off the grid too), booked by the clinician as extras.
    const patients = await Promise.all(Array.from({ length: 10 }, () => makePatient(t.api)));
    let visits = 0;
    for (let i = 0; visits < 200 && i < 1000; i += 1) {
      const start = from + 3 * 60 * MINUTE + Math.floor(Math.random() * 30 * 24 * 4) * 15 * MINUTE;
      const res = await book(clinician, {
        clinicianId: clinician.id,
        patientId: patients[i % patients.length].id,
        ...times(start, [15, 30, 45][i % 3]),
      });
      visits += res.status === 201 ? 1 : 0;
    }
    expect(visits).toBe(200);
    // 20 holds of other patients, on slots the search offers them.
    const holders = await Promise.all(Array.from({ length: 20 }, () => makePatient(t.api)));
    for (const holder of holders) {
      const free = await offered(clinician, holder, from, to);
      const pick = free[Math.floor(Math.random() * free.length)];
      expect(outcome(await hold(holder, { clinicianId: clinician.id, ...times(pick) }))).toEqual([
        201,
        undefined,
      ]);
    }

    const patient = await makePatient(t.api);
    const offer = new Set(await offered(clinician, patient, from, to));
    expect(offer.size).toBeGreaterThan(50);
    // Every grid time of the month: 08:00 to 17:30 New York time, Monday to Saturday. Leave
    // out the few whose notice or horizon runs out while the test runs (it takes a while).
    const bookingStarts = Date.now();
    const edges = [bookingStarts + 120 * MINUTE, bookingStarts + 28 * DAY];
    const nearAnEdge = (at: number) => edges.some((edge) => Math.abs(at - edge) < 10 * MINUTE);
    const grid: number[] = [];
    const zone = 'America/New_York';
    for (let day = DateTime.fromMillis(from, { zone }).startOf('day'); day.toMillis() < to;) {
      for (let k = 0; k < 20 && day.weekday !== 7; k += 1) {
        const start = day
          .set({ hour: 8 })
          .plus({ minutes: 30 * k })
          .toMillis();
        if (start >= from && start + 30 * MINUTE <= to && !nearAnEdge(start)) {
          grid.push(start);
        }
      }
      day = day.plus({ days: 1 });
    }
    let booked = 0;
    let refused = 0;
    for (const start of grid) {
      const res = await book(patient, { clinicianId: clinician.id, ...times(start) });
      if (offer.has(start)) {
        expect([new Date(start).toISOString(), outcome(res)]).toEqual([
          new Date(start).toISOString(),
          [201, undefined],
        ]);
        booked += 1;
        const cancelled = await t.api.post(`/api/appointments/${res.body.id}/cancel`, undefined, {
          token: patient.token,
        });
        expect(cancelled.status).toBe(200);
      } else {
        expect([new Date(start).toISOString(), outcome(res)]).toEqual([
          new Date(start).toISOString(),
          [409, 'SLOT_UNAVAILABLE'],
        ]);
        refused += 1;
      }
    }
    expect(booked).toBe([...offer].filter((at) => !nearAnEdge(at)).length);
    expect(refused).toBeGreaterThan(100);
  }, 300_000);
});
