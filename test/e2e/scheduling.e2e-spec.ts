import { loginAdmin, makePatient, makeStaff, TestUser } from '../support/factories';
import { publishSchedule, schedule, ScheduleBody, WEEKDAYS } from '../support/schedules';
import { startTestApp, TestApp } from '../support/test-app';

const nineToFive = (changes: Partial<ScheduleBody> = {}) =>
  schedule({
    timeZone: 'Europe/Berlin',
    weekly: WEEKDAYS.map((day) => ({ day, start: '09:00', end: '17:00' })),
    slotMinutes: 30,
    ...changes,
  });

describe('schedules and slots (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let patient: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    patient = await makePatient(t.api);
  });
  afterAll(() => t.close());

  const newClinician = () =>
    makeStaff(t.api, admin.token, 'clinician', 'Dr Hours', { schedule: null });
  const scheduleOf = (clinician: TestUser) => `/api/clinicians/${clinician.id}/schedule`;
  const slotsOf = (clinician: TestUser, query: Record<string, string>, token = patient.token) =>
    t.api.get(`/api/clinicians/${clinician.id}/slots?${new URLSearchParams(query)}`, { token });

  describe('GET/PUT /api/clinicians/:id/schedule', () => {
    it('lets a clinician publish their hours, anyone read them, and replace them by version', async () => {
      const clinician = await newClinician();
      const none = await t.api.get(scheduleOf(clinician), { token: patient.token });
      expect([none.status, none.body.code]).toEqual([404, 'SCHEDULE_NOT_FOUND']);

      const first = await t.api.put(scheduleOf(clinician), nineToFive(), {
        token: clinician.token,
      });
      expect(first.status).toBe(200);
      expect(first.body).toEqual({ ...nineToFive(), clinicianId: clinician.id, version: 1 });
      expect(first.headers.get('etag')).toBe('"1"');

      const read = await t.api.get(scheduleOf(clinician), { token: patient.token });
      expect([read.status, read.body.version, read.body.timeZone]).toEqual([
        200,
        1,
        'Europe/Berlin',
      ]);

      const blind = await t.api.put(scheduleOf(clinician), nineToFive(), {
        token: clinician.token,
      });
      expect([blind.status, blind.body.code]).toEqual([428, 'VERSION_REQUIRED']);
      const changed = nineToFive({ slotMinutes: 20 });
      const second = await t.api.put(scheduleOf(clinician), changed, {
        token: admin.token,
        headers: { 'If-Match': '"1"' },
      });
      expect([second.status, second.body.version, second.body.slotMinutes]).toEqual([200, 2, 20]);
      const stale = await t.api.put(scheduleOf(clinician), nineToFive(), {
        token: clinician.token,
        headers: { 'If-Match': '"1"' },
      });
      expect([stale.status, stale.body.code, stale.body.details]).toEqual([
        409,
        'VERSION_CONFLICT',
        { currentVersion: 2 },
      ]);
    });

    it('refuses patients and other clinicians', async () => {
      const clinician = await newClinician();
      const other = await newClinician();
      for (const token of [patient.token, other.token]) {
        const refused = await t.api.put(scheduleOf(clinician), nineToFive(), { token });
        expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN_ROLE']);
      }
      const read = await t.api.get(scheduleOf(clinician), { token: patient.token });
      expect(read.status).toBe(404);
      const nobody = await t.api.put(`/api/clinicians/${patient.id}/schedule`, nineToFive(), {
        token: admin.token,
      });
      expect([nobody.status, nobody.body.code]).toEqual([404, 'CLINICIAN_NOT_FOUND']);
    });

    it.each([
      ['an unknown time zone', { timeZone: 'Mars/Olympus' }, 'timeZone'],
      ['25:00', { weekly: [{ day: 'mon', start: '09:00', end: '25:00' }] }, 'weekly.0.end'],
      [
        'a day that is not one',
        { weekly: [{ day: 'mo', start: '09:00', end: '12:00' }] },
        'weekly.0.day',
      ],
      [
        'overlapping intervals on one day',
        {
          weekly: [
            { day: 'mon', start: '09:00', end: '12:00' },
            { day: 'mon', start: '11:30', end: '13:00' },
          ],
        },
        'weekly.1',
      ],
      [
        'a date that does not exist',
        { overrides: [{ date: '2026-02-30', intervals: [] }] },
        'overrides.0.date',
      ],
      ['a slot length of 0', { slotMinutes: 0 }, 'slotMinutes'],
    ])('refuses %s, naming the field, and changes nothing', async (_what, changes, field) => {
      const clinician = await newClinician();
      const refused = await t.api.put(scheduleOf(clinician), nineToFive(changes), {
        token: clinician.token,
      });
      expect([refused.status, refused.body.code]).toEqual([400, 'VALIDATION_FAILED']);
      expect(Object.keys(refused.body.details.fields)).toContain(field);
      const read = await t.api.get(scheduleOf(clinician), { token: patient.token });
      expect(read.status).toBe(404);
    });
  });

  describe('GET /api/clinicians/:id/slots', () => {
    it('answers no slots for a clinician without a schedule', async () => {
      const clinician = await newClinician();
      const slots = await slotsOf(clinician, {
        from: new Date().toISOString(),
        to: new Date(Date.now() + 7 * 86_400_000).toISOString(),
      });
      expect([slots.status, slots.body]).toEqual([200, { timeZone: null, items: [] }]);
    });

    it('refuses a window over 31 days or ending before it starts', async () => {
      const clinician = await newClinician();
      const from = new Date(Date.now() + 86_400_000);
      for (const to of [new Date(from.getTime() + 32 * 86_400_000), from]) {
        const refused = await slotsOf(clinician, {
          from: from.toISOString(),
          to: to.toISOString(),
        });
        expect([refused.status, refused.body.code]).toEqual([400, 'INVALID_TIME_RANGE']);
      }
    });

    it('takes a day off on the clinician’s local date, for a viewer in another zone', async () => {
      const clinician = await newClinician();
      // Three local dates in Auckland (UTC+13 in January); the viewer asks in New York time.
      await publishSchedule(
        t.api,
        clinician.id,
        clinician.token,
        nineToFive({
          timeZone: 'Pacific/Auckland',
          slotMinutes: 60,
          bookingHorizonDays: 730,
          overrides: [
            { date: '2027-01-13', intervals: [] },
            { date: '2027-01-14', intervals: [{ start: '13:00', end: '14:00' }] },
          ],
        }),
      );
      const slots = await slotsOf(clinician, {
        from: '2027-01-11T06:00:00-05:00', // 2027-01-12 00:00 in Auckland
        to: '2027-01-14T06:00:00-05:00', // 2027-01-15 00:00 in Auckland
      });
      expect(slots.status).toBe(200);
      expect(slots.body.timeZone).toBe('Pacific/Auckland');
      const starts: string[] = slots.body.items.map((s: { startsAt: string }) => s.startsAt);
      // 2027-01-12 09:00–17:00 NZDT is 2027-01-11 20:00Z to 2027-01-12 04:00Z.
      expect(starts.slice(0, 2)).toEqual(['2027-01-11T20:00:00.000Z', '2027-01-11T21:00:00.000Z']);
      expect(starts).toHaveLength(8 + 1);
      expect(starts[8]).toBe('2027-01-14T00:00:00.000Z'); // the 14th's 13:00
    });

    it('refuses an excludeAppointment the caller has no part in', async () => {
      const clinician = await newClinician();
      const refused = await slotsOf(clinician, {
        from: new Date().toISOString(),
        to: new Date(Date.now() + 86_400_000).toISOString(),
        excludeAppointment: '00000000-0000-4000-8000-000000000000',
      });
      expect([refused.status, refused.body.code]).toEqual([404, 'APPOINTMENT_NOT_FOUND']);
    });
  });

  describe('changing the hours', () => {
    it('moves or cancels no visit, and lists the ones left outside for an admin', async () => {
      const clinician = await newClinician();
      const hours = nineToFive({ timeZone: 'UTC' });
      await publishSchedule(t.api, clinician.id, clinician.token, hours);
      const today = new Date();
      const day = Date.UTC(today.getUTCFullYear(), today.getUTCMonth(), today.getUTCDate() + 2);
      const at = (hour: number) => ({
        startsAt: new Date(day + hour * 3_600_000).toISOString(),
        endsAt: new Date(day + hour * 3_600_000 + 1_800_000).toISOString(),
      });
      const early = await t.api.post(
        '/api/appointments',
        { clinicianId: clinician.id, ...at(10) },
        { token: patient.token },
      );
      const late = await t.api.post(
        '/api/appointments',
        { clinicianId: clinician.id, ...at(14) },
        { token: (await makePatient(t.api)).token },
      );
      expect([early.status, late.status]).toEqual([201, 201]);

      const afternoons = {
        ...hours,
        weekly: WEEKDAYS.map((d) => ({ day: d, start: '13:00', end: '17:00' })),
      };
      await publishSchedule(t.api, clinician.id, clinician.token, afternoons, 1);
      const still = await t.api.get(`/api/appointments/${early.body.id}`, {
        token: patient.token,
      });
      expect(still.body).toEqual(early.body);

      const window = new URLSearchParams({
        from: new Date(day).toISOString(),
        to: new Date(day + 86_400_000).toISOString(),
      });
      const path = `/api/clinicians/${clinician.id}/visits-outside-hours?${window}`;
      const listed = await t.api.get(path, { token: admin.token });
      expect([listed.status, listed.body]).toEqual([
        200,
        {
          items: [
            {
              appointmentId: early.body.id,
              patientId: patient.id,
              startsAt: early.body.startsAt,
              endsAt: early.body.endsAt,
            },
          ],
        },
      ]);
      const own = await t.api.get(path, { token: clinician.token });
      expect(own.body).toEqual(listed.body);
      const refused = await t.api.get(path, { token: patient.token });
      expect([refused.status, refused.body.code]).toEqual([403, 'FORBIDDEN_ROLE']);
    });
  });
});
