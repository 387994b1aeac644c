import { randomUUID } from 'node:crypto';
import type { ApiResponse } from '../support/api';
import { insertAppointment } from '../support/db';
import {
  loginAdmin,
  makePatient,
  makeStaff,
  minutesFromNow,
  slot,
  TestUser,
} from '../support/factories';
import { startTestApp, TestApp } from '../support/test-app';

interface Appointment {
  id: string;
  patientId: string;
  clinicianId: string;
  startsAt: string;
  endsAt: string;
  status: string;
  reason: string | null;
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface AuditEntry {
  id: string;
  actorId: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  outcome: string;
}

const APPOINTMENT_KEYS = [
  'clinicianId',
  'createdAt',
  'endsAt',
  'id',
  'patientId',
  'reason',
  'startsAt',
  'status',
  'updatedAt',
  'version',
];

const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function plusMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}

/** A slot starting `offsetMinutes` after `base`, lasting `lengthMinutes`. */
function at(base: string, offsetMinutes: number, lengthMinutes = 30) {
  const startsAt = plusMinutes(base, offsetMinutes);
  return { startsAt, endsAt: plusMinutes(startsAt, lengthMinutes) };
}

/** Status and code together, so a failure shows both. */
function outcome(res: ApiResponse): { status: number; code?: string } {
  return res.status < 300
    ? { status: res.status }
    : { status: res.status, code: (res.body as { code?: string } | undefined)?.code };
}

describe('appointments (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
  });
  afterAll(() => t.close());

  const newPatient = (name?: string) => makePatient(t.api, name);
  const newClinician = (name?: string) => makeStaff(t.api, admin.token, 'clinician', name);

  function book(user: TestUser, body: Record<string, unknown>, headers?: Record<string, string>) {
    return t.api.post<Appointment>('/api/appointments', body, { token: user.token, headers });
  }

  async function booked(user: TestUser, body: Record<string, unknown>): Promise<Appointment> {
    const res = await book(user, body);
    expect(outcome(res)).toEqual({ status: 201 });
    return res.body;
  }

  function get(user: TestUser, id: string) {
    return t.api.get<Appointment>(`/api/appointments/${id}`, { token: user.token });
  }

  function reschedule(user: TestUser, id: string, body: Record<string, unknown>, ifMatch?: string) {
    return t.api.patch<Appointment>(`/api/appointments/${id}`, body, {
      token: user.token,
      headers: ifMatch === undefined ? {} : { 'if-match': ifMatch },
    });
  }

  function cancel(user: TestUser, id: string, body?: Record<string, unknown>) {
    return t.api.post<Appointment>(`/api/appointments/${id}/cancel`, body, { token: user.token });
  }

  function noShow(user: TestUser, id: string) {
    return t.api.post<Appointment>(`/api/appointments/${id}/no-show`, undefined, {
      token: user.token,
    });
  }

  function list(user: TestUser, query = '') {
    return t.api.get<{ items: Appointment[]; nextCursor: string | null }>(
      `/api/appointments${query}`,
      { token: user.token },
    );
  }

  /** Every appointment the user can list with `query`, following the cursor to the end. */
  async function listAll(user: TestUser, query: Record<string, string> = {}) {
    const items: Appointment[] = [];
    let cursor: string | null = null;
    do {
      const params = new URLSearchParams({ ...query, limit: '100' });
      if (cursor) {
        params.set('cursor', cursor);
      }
      const res = await list(user, `?${params.toString()}`);
      expect(res.status).toBe(200);
      items.push(...res.body.items);
      cursor = res.body.nextCursor;
    } while (cursor);
    return items;
  }

  async function listIds(user: TestUser, query: Record<string, string> = {}) {
    return (await listAll(user, query)).map((a) => a.id);
  }

  describe('booking', () => {
    it('a patient books for themselves: the contract shape, scheduled, version 1, an ETag', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const times = slot(24 * 60);
      const res = await book(patient, { clinicianId: clinician.id, ...times, reason: 'Cough' });

      expect(outcome(res)).toEqual({ status: 201 });
      expect(Object.keys(res.body).sort()).toEqual(APPOINTMENT_KEYS);
      expect(res.body).toMatchObject({
        patientId: patient.id,
        clinicianId: clinician.id,
        startsAt: times.startsAt,
        endsAt: times.endsAt,
        status: 'scheduled',
        reason: 'Cough',
        version: 1,
      });
      expect(res.body.createdAt).toMatch(ISO_UTC);
      expect(res.body.updatedAt).toMatch(ISO_UTC);
      expect(res.headers.get('etag')).toBe('"1"');

      const read = await get(patient, res.body.id);
      expect(read.status).toBe(200);
      expect(read.body).toEqual(res.body);
      expect(read.headers.get('etag')).toBe('"1"');
    });

    it('ids written in upper case name the same people', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const res = await book(patient, {
        clinicianId: clinician.id.toUpperCase(),
        patientId: patient.id.toUpperCase(),
        ...slot(24 * 60),
      });
      expect(outcome(res)).toEqual({ status: 201 });
      expect(res.body).toMatchObject({ patientId: patient.id, clinicianId: clinician.id });
    });

    it('a patient may name themselves as patientId; reason defaults to null', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const appointment = await booked(patient, {
        clinicianId: clinician.id,
        patientId: patient.id,
        ...slot(24 * 60),
      });
      expect(appointment.patientId).toBe(patient.id);
      expect(appointment.reason).toBeNull();
    });

    it('a patient booking for someone else is 403 BOOKING_NOT_ALLOWED and books nothing', async () => {
      const [patient, other, clinician] = await Promise.all([
        newPatient(),
        newPatient(),
        newClinician(),
      ]);
      const res = await book(patient, {
        clinicianId: clinician.id,
        patientId: other.id,
        ...slot(24 * 60),
      });
      expect(outcome(res)).toEqual({ status: 403, code: 'BOOKING_NOT_ALLOWED' });
      await expect(listIds(other)).resolves.toEqual([]);
      await expect(listIds(clinician)).resolves.toEqual([]);
    });

    it('a clinician books in their own diary for a patient', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const appointment = await booked(clinician, {
        clinicianId: clinician.id,
        patientId: patient.id,
        ...slot(24 * 60),
      });
      expect(appointment).toMatchObject({ patientId: patient.id, clinicianId: clinician.id });
      await expect(listIds(patient)).resolves.toEqual([appointment.id]);
    });

    it("a clinician booking in another clinician's diary is 403 BOOKING_NOT_ALLOWED", async () => {
      const [patient, clinician, colleague] = await Promise.all([
        newPatient(),
        newClinician(),
        newClinician(),
      ]);
      const res = await book(clinician, {
        clinicianId: colleague.id,
        patientId: patient.id,
        ...slot(24 * 60),
      });
      expect(outcome(res)).toEqual({ status: 403, code: 'BOOKING_NOT_ALLOWED' });
      await expect(listIds(colleague)).resolves.toEqual([]);
    });

    it('a clinician or admin booking without a patientId is 400 PATIENT_REQUIRED', async () => {
      const clinician = await newClinician();
      for (const user of [clinician, admin]) {
        const res = await book(user, { clinicianId: clinician.id, ...slot(24 * 60) });
        expect(outcome(res)).toEqual({ status: 400, code: 'PATIENT_REQUIRED' });
      }
      await expect(listIds(clinician)).resolves.toEqual([]);
    });

    it('an admin books for any patient with any clinician', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const appointment = await booked(admin, {
        clinicianId: clinician.id,
        patientId: patient.id,
        ...slot(24 * 60),
      });
      expect(appointment).toMatchObject({ patientId: patient.id, clinicianId: clinician.id });
      await expect(listIds(patient)).resolves.toEqual([appointment.id]);
      await expect(listIds(clinician)).resolves.toEqual([appointment.id]);
    });

    it.each([
      ['an unknown id', 'unknown'],
      ["a patient's id", 'patient'],
      ["an admin's id", 'admin'],
      ['a disabled clinician', 'disabled'],
    ] as const)('a clinicianId that is %s is 400 CLINICIAN_NOT_FOUND', async (_label, kind) => {
      const patient = await newPatient();
      let clinicianId: string;
      switch (kind) {
        case 'unknown':
          clinicianId = randomUUID();
          break;
        case 'patient':
          clinicianId = (await newPatient()).id;
          break;
        case 'admin':
          clinicianId = admin.id;
          break;
        case 'disabled': {
          const gone = await newClinician();
          const disabled = await t.api.patch(
            `/api/users/${gone.id}`,
            { disabled: true },
            { token: admin.token },
          );
          expect(disabled.status).toBe(200);
          clinicianId = gone.id;
          break;
        }
      }
      const res = await book(patient, { clinicianId, ...slot(24 * 60) });
      expect(outcome(res)).toEqual({ status: 400, code: 'CLINICIAN_NOT_FOUND' });
      await expect(listIds(patient)).resolves.toEqual([]);
    });

    it('a patientId that is not an active patient is 400 PATIENT_NOT_FOUND', async () => {
      const [clinician, colleague] = await Promise.all([newClinician(), newClinician()]);
      for (const patientId of [randomUUID(), colleague.id]) {
        const res = await book(admin, { clinicianId: clinician.id, patientId, ...slot(24 * 60) });
        expect(outcome(res)).toEqual({ status: 400, code: 'PATIENT_NOT_FOUND' });
      }
      await expect(listIds(clinician)).resolves.toEqual([]);
    });
  });

  describe('time rules', () => {
    it.each([
      ['in the past', -60, 30, 'APPOINTMENT_IN_PAST'],
      ['ending before it starts', 60, -30, 'INVALID_TIME_RANGE'],
      ['ending when it starts', 60, 0, 'INVALID_TIME_RANGE'],
      ['shorter than 5 minutes', 60, 4, 'INVALID_TIME_RANGE'],
      ['longer than 4 hours', 60, 4 * 60 + 1, 'INVALID_TIME_RANGE'],
    ])('a slot %s is 400 %s', async (_label, startIn, length, code) => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const res = await book(patient, { clinicianId: clinician.id, ...slot(startIn, length) });
      expect(outcome(res)).toEqual({ status: 400, code });
      await expect(listIds(patient)).resolves.toEqual([]);
    });

    it.each([
      ['exactly 5 minutes', 5],
      ['exactly 4 hours', 4 * 60],
    ])('a slot of %s is accepted', async (_label, length) => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const times = slot(24 * 60, length);
      const appointment = await booked(patient, { clinicianId: clinician.id, ...times });
      expect(appointment).toMatchObject(times);
    });

    it('times given with an offset are the same instants in UTC', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const times = slot(24 * 60);
      const shift = (iso: string) =>
        new Date(Date.parse(iso) + 2 * 3_600_000).toISOString().replace('.000Z', '+02:00');
      const appointment = await booked(patient, {
        clinicianId: clinician.id,
        startsAt: shift(times.startsAt),
        endsAt: shift(times.endsAt),
      });
      expect(appointment).toMatchObject(times);
    });
  });

  describe('no double booking', () => {
    it("20 patients booking one clinician's slot at once: one 201, nineteen 409", async () => {
      const clinician = await newClinician();
      const patients = await Promise.all(Array.from({ length: 20 }, () => newPatient()));
      const times = slot(3 * 24 * 60);
      const results = await Promise.all(
        patients.map((patient) => book(patient, { clinicianId: clinician.id, ...times })),
      );

      // A patient is held to the clinician's free slots (PRODUCT §7): the taken one is no more.
      expect(results.map(outcome).sort((a, b) => a.status - b.status)).toEqual([
        { status: 201 },
        ...Array.from({ length: 19 }, () => ({ status: 409, code: 'SLOT_UNAVAILABLE' })),
      ]);
      const winner = results.find((r) => r.status === 201)!.body;
      await expect(listIds(clinician)).resolves.toEqual([winner.id]);
    });

    it('one patient booking 20 clinicians at one time: one 201, nineteen 409', async () => {
      const patient = await newPatient();
      const clinicians = await Promise.all(Array.from({ length: 20 }, () => newClinician()));
      const times = slot(3 * 24 * 60);
      const results = await Promise.all(
        clinicians.map((clinician) => book(patient, { clinicianId: clinician.id, ...times })),
      );

      expect(results.map(outcome).sort((a, b) => a.status - b.status)).toEqual([
        { status: 201 },
        ...Array.from({ length: 19 }, () => ({ status: 409, code: 'APPOINTMENT_CONFLICT' })),
      ]);
      const winner = results.find((r) => r.status === 201)!.body;
      await expect(listIds(patient)).resolves.toEqual([winner.id]);
    });

    it('back-to-back slots are both accepted; an overlap of one minute is refused', async () => {
      const [patient, other, clinician, colleague] = await Promise.all([
        newPatient(),
        newPatient(),
        newClinician(),
        newClinician(),
      ]);
      const base = minutesFromNow(2 * 24 * 60);
      const first = await booked(patient, { clinicianId: clinician.id, ...at(base, 0) });
      const second = await booked(patient, { clinicianId: clinician.id, ...at(base, 30) });
      expect(second.startsAt).toBe(first.endsAt);

      const clinicianOverlap = await book(other, { clinicianId: clinician.id, ...at(base, 29) });
      expect(outcome(clinicianOverlap)).toEqual({ status: 409, code: 'SLOT_UNAVAILABLE' });
      // Staff are not held to the slots; the database refuses the overlap.
      const staffOverlap = await book(clinician, {
        clinicianId: clinician.id,
        patientId: other.id,
        ...at(base, 29),
      });
      expect(outcome(staffOverlap)).toEqual({ status: 409, code: 'APPOINTMENT_CONFLICT' });
      const patientOverlap = await book(patient, { clinicianId: colleague.id, ...at(base, -29) });
      expect(outcome(patientOverlap)).toEqual({ status: 409, code: 'APPOINTMENT_CONFLICT' });

      await expect(listIds(clinician)).resolves.toEqual([first.id, second.id]);
      await expect(listIds(other)).resolves.toEqual([]);
      await expect(listIds(colleague)).resolves.toEqual([]);
    });

    it('a cancelled slot can be booked again', async () => {
      const [patient, other, clinician] = await Promise.all([
        newPatient(),
        newPatient(),
        newClinician(),
      ]);
      const times = slot(2 * 24 * 60);
      const first = await booked(patient, { clinicianId: clinician.id, ...times });
      const taken = await book(other, { clinicianId: clinician.id, ...times });
      expect(outcome(taken)).toEqual({ status: 409, code: 'SLOT_UNAVAILABLE' });

      expect(outcome(await cancel(patient, first.id))).toEqual({ status: 200 });
      const again = await booked(other, { clinicianId: clinician.id, ...times });
      expect(again.id).not.toBe(first.id);
    });
  });

  describe('Idempotency-Key', () => {
    it('the same request twice answers the same appointment and books once', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const body = { clinicianId: clinician.id, ...slot(24 * 60) };
      const headers = { 'idempotency-key': randomUUID() };

      const first = await book(patient, body, headers);
      const second = await book(patient, body, headers);
      expect(outcome(first)).toEqual({ status: 201 });
      expect(outcome(second)).toEqual({ status: 201 });
      expect(second.body.id).toBe(first.body.id);
      expect(first.headers.get('idempotent-replayed')).toBeNull();
      expect(second.headers.get('idempotent-replayed')).toBe('true');
      await expect(listIds(patient)).resolves.toEqual([first.body.id]);
    });

    it('10 concurrent identical requests with one key all answer 201 with one id', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const body = { clinicianId: clinician.id, ...slot(24 * 60) };
      const headers = { 'idempotency-key': `retry-${randomUUID()}` };

      const results = await Promise.all(
        Array.from({ length: 10 }, () => book(patient, body, headers)),
      );
      expect(results.map(outcome)).toEqual(Array.from({ length: 10 }, () => ({ status: 201 })));
      const ids = new Set(results.map((r) => r.body.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => r.headers.get('idempotent-replayed') === 'true')).toHaveLength(
        9,
      );
      await expect(listIds(patient)).resolves.toEqual([...ids]);
    });

    it('the same key with a different body is 422 IDEMPOTENCY_KEY_REUSED', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const headers = { 'idempotency-key': randomUUID() };
      const first = await book(patient, { clinicianId: clinician.id, ...slot(24 * 60) }, headers);
      expect(outcome(first)).toEqual({ status: 201 });

      const reused = await book(patient, { clinicianId: clinician.id, ...slot(48 * 60) }, headers);
      expect(outcome(reused)).toEqual({ status: 422, code: 'IDEMPOTENCY_KEY_REUSED' });
      await expect(listIds(patient)).resolves.toEqual([first.body.id]);
    });

    it('keys are per user: another user may use the same key string', async () => {
      const [patient, other, clinician] = await Promise.all([
        newPatient(),
        newPatient(),
        newClinician(),
      ]);
      const headers = { 'idempotency-key': 'book-monday-visit' };
      const mine = await book(patient, { clinicianId: clinician.id, ...slot(24 * 60) }, headers);
      const theirs = await book(other, { clinicianId: clinician.id, ...slot(48 * 60) }, headers);
      expect(outcome(mine)).toEqual({ status: 201 });
      expect(outcome(theirs)).toEqual({ status: 201 });
      expect(theirs.body.id).not.toBe(mine.body.id);
      expect(theirs.body.patientId).toBe(other.id);
      expect(theirs.headers.get('idempotent-replayed')).toBeNull();
    });

    it('a refused booking does not use up its key', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const headers = { 'idempotency-key': randomUUID() };
      const refused = await book(patient, { clinicianId: randomUUID(), ...slot(24 * 60) }, headers);
      expect(outcome(refused)).toEqual({ status: 400, code: 'CLINICIAN_NOT_FOUND' });

      const fixed = await book(patient, { clinicianId: clinician.id, ...slot(24 * 60) }, headers);
      expect(outcome(fixed)).toEqual({ status: 201 });
      expect(fixed.headers.get('idempotent-replayed')).toBeNull();
    });
  });

  describe('list', () => {
    it('each user sees only their own appointments; an admin sees all', async () => {
      const [p1, p2, c1, c2] = await Promise.all([
        newPatient(),
        newPatient(),
        newClinician(),
        newClinician(),
      ]);
      const base = minutesFromNow(5 * 24 * 60);
      const a = await booked(p1, { clinicianId: c1.id, ...at(base, 0) });
      const b = await booked(p2, { clinicianId: c2.id, ...at(base, 60) });
      const c = await booked(p1, { clinicianId: c2.id, ...at(base, 120) });

      await expect(listIds(p1)).resolves.toEqual([a.id, c.id]);
      await expect(listIds(p2)).resolves.toEqual([b.id]);
      await expect(listIds(c1)).resolves.toEqual([a.id]);
      await expect(listIds(c2)).resolves.toEqual([b.id, c.id]);
      const window = { from: base, to: plusMinutes(base, 121) };
      const all = await listIds(admin, window);
      expect(all).toEqual(expect.arrayContaining([a.id, b.id, c.id]));
    });

    it('lists each appointment as reading it alone (to the millisecond), with both names', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const one = await booked(patient, {
        clinicianId: clinician.id,
        ...at(minutesFromNow(5 * 24 * 60), 0),
        reason: 'Rash',
      });
      const alone = await t.api.get(`/api/appointments/${one.id}`, { token: patient.token });
      const list = await t.api.get('/api/appointments', { token: patient.token });
      expect(list.body).toEqual({
        items: [
          { ...alone.body, patientName: patient.displayName, clinicianName: clinician.displayName },
        ],
        nextCursor: null,
      });
      expect(alone.body.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    });

    it('is ordered by startsAt, whatever the booking order', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const base = minutesFromNow(5 * 24 * 60);
      const late = await booked(patient, { clinicianId: clinician.id, ...at(base, 300) });
      const early = await booked(patient, { clinicianId: clinician.id, ...at(base, 0) });
      const middle = await booked(patient, { clinicianId: clinician.id, ...at(base, 120) });
      await expect(listIds(patient)).resolves.toEqual([early.id, middle.id, late.id]);
    });

    it('from is inclusive, to exclusive, both on startsAt', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const base = minutesFromNow(5 * 24 * 60);
      const ids: string[] = [];
      for (const offset of [0, 60, 120]) {
        ids.push((await booked(patient, { clinicianId: clinician.id, ...at(base, offset) })).id);
      }
      const from = plusMinutes(base, 60);
      const to = plusMinutes(base, 120);
      await expect(listIds(patient, { from, to })).resolves.toEqual([ids[1]]);
      await expect(listIds(patient, { from })).resolves.toEqual([ids[1], ids[2]]);
      await expect(listIds(patient, { to })).resolves.toEqual([ids[0], ids[1]]);
      // An appointment running across `from` but starting before it is not included.
      await expect(listIds(patient, { from: plusMinutes(base, 10) })).resolves.toEqual([
        ids[1],
        ids[2],
      ]);
    });

    it('filters by status', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const base = minutesFromNow(5 * 24 * 60);
      const kept = await booked(patient, { clinicianId: clinician.id, ...at(base, 0) });
      const dropped = await booked(patient, { clinicianId: clinician.id, ...at(base, 60) });
      expect(outcome(await cancel(patient, dropped.id))).toEqual({ status: 200 });

      await expect(listIds(patient, { status: 'cancelled' })).resolves.toEqual([dropped.id]);
      await expect(listIds(patient, { status: 'scheduled' })).resolves.toEqual([kept.id]);
      await expect(listIds(patient, { status: 'no_show' })).resolves.toEqual([]);
    });

    it('pages with a cursor, without duplicates, nextCursor null on the last page', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const base = minutesFromNow(6 * 24 * 60);
      const expected: string[] = [];
      for (let i = 0; i < 5; i += 1) {
        expected.push(
          (await booked(patient, { clinicianId: clinician.id, ...at(base, i * 30) })).id,
        );
      }

      const pages: string[][] = [];
      let cursor: string | null = null;
      do {
        const query: string = `?limit=2${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
        const res = await list(patient, query);
        expect(res.status).toBe(200);
        expect(Object.keys(res.body).sort()).toEqual(['items', 'nextCursor']);
        pages.push(res.body.items.map((a) => a.id));
        cursor = res.body.nextCursor;
      } while (cursor && pages.length < 10);

      expect(pages).toEqual([expected.slice(0, 2), expected.slice(2, 4), expected.slice(4)]);
      expect(cursor).toBeNull();
    });

    it('a page that holds everything has nextCursor null; the default limit is 20', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const base = minutesFromNow(6 * 24 * 60);
      for (let i = 0; i < 21; i += 1) {
        await booked(patient, { clinicianId: clinician.id, ...at(base, i * 10, 5) });
      }
      const first = await list(patient);
      expect(first.status).toBe(200);
      expect(first.body.items).toHaveLength(20);
      expect(first.body.nextCursor).toEqual(expect.any(String));
      const exact = await list(patient, '?limit=21');
      expect(exact.body.items).toHaveLength(21);
      expect(exact.body.nextCursor).toBeNull();
    });

    it.each(['0', '101', '-1', '2.5'])('limit=%s is 400 VALIDATION_FAILED', async (limit) => {
      const patient = await newPatient();
      const res = await list(patient, `?limit=${limit}`);
      expect(outcome(res)).toEqual({ status: 400, code: 'VALIDATION_FAILED' });
      expect(res.body).toHaveProperty('details.fields.limit');
    });

    it.each([
      ['not base64 JSON', 'garbage'],
      ['JSON of the wrong shape', Buffer.from('[1,2]').toString('base64url')],
      [
        'a key with a bad timestamp',
        Buffer.from(JSON.stringify({ startsAt: 'yesterday', id: randomUUID() })).toString(
          'base64url',
        ),
      ],
      [
        'a key with a bad id',
        Buffer.from(JSON.stringify({ startsAt: '2030-01-01T10:00:00.000Z', id: 'x' })).toString(
          'base64url',
        ),
      ],
    ])('a cursor that is %s is 400 INVALID_CURSOR', async (_label, cursor) => {
      const patient = await newPatient();
      const res = await list(patient, `?cursor=${encodeURIComponent(cursor)}`);
      expect(outcome(res)).toEqual({ status: 400, code: 'INVALID_CURSOR' });
    });
  });

  describe("someone else's appointment", () => {
    let owner: TestUser;
    let clinician: TestUser;
    let appointment: Appointment;

    beforeAll(async () => {
      [owner, clinician] = await Promise.all([newPatient(), newClinician()]);
      appointment = await booked(owner, { clinicianId: clinician.id, ...slot(24 * 60) });
    });

    type Verb = 'GET' | 'PATCH' | 'cancel' | 'no-show';
    const verbs: Verb[] = ['GET', 'PATCH', 'cancel', 'no-show'];

    function attempt(user: TestUser, verb: Verb, id: string) {
      switch (verb) {
        case 'GET':
          return get(user, id);
        case 'PATCH':
          return reschedule(user, id, { ...slot(48 * 60), reason: 'mine now' }, '"1"');
        case 'cancel':
          return cancel(user, id, { reason: 'mine now' });
        case 'no-show':
          return noShow(user, id);
      }
    }

    it.each(verbs)(
      '%s by another patient or clinician is 404 APPOINTMENT_NOT_FOUND',
      async (verb) => {
        const [stranger, otherClinician] = await Promise.all([newPatient(), newClinician()]);
        for (const user of [stranger, otherClinician]) {
          const res = await attempt(user, verb, appointment.id);
          expect(outcome(res)).toEqual({ status: 404, code: 'APPOINTMENT_NOT_FOUND' });
        }
      },
    );

    it.each(verbs)(
      '%s with a non-UUID or unknown id is 404 APPOINTMENT_NOT_FOUND',
      async (verb) => {
        for (const id of ['not-a-uuid', '1', randomUUID()]) {
          const res = await attempt(owner, verb, id);
          expect(outcome(res)).toEqual({ status: 404, code: 'APPOINTMENT_NOT_FOUND' });
        }
      },
    );

    it('nothing changed for the owner', async () => {
      const res = await get(owner, appointment.id);
      expect(res.status).toBe(200);
      expect(res.body).toEqual(appointment);
    });
  });

  describe('reschedule', () => {
    async function setup() {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const appointment = await booked(patient, { clinicianId: clinician.id, ...slot(24 * 60) });
      return { patient, clinician, appointment };
    }

    it('moves with If-Match "1", then with version in the body; the version goes up', async () => {
      const { patient, clinician, appointment } = await setup();
      const moved = slot(2 * 24 * 60, 45);
      const first = await reschedule(patient, appointment.id, moved, '"1"');
      expect(outcome(first)).toEqual({ status: 200 });
      expect(first.body).toMatchObject({ id: appointment.id, ...moved, version: 2 });
      expect(first.headers.get('etag')).toBe('"2"');

      const second = await reschedule(clinician, appointment.id, {
        reason: 'Follow-up',
        version: 2,
      });
      expect(outcome(second)).toEqual({ status: 200 });
      expect(second.body).toMatchObject({ ...moved, reason: 'Follow-up', version: 3 });
      expect(second.headers.get('etag')).toBe('"3"');

      const read = await get(patient, appointment.id);
      expect(read.body).toEqual(second.body);
    });

    it('an admin may reschedule too', async () => {
      const { appointment } = await setup();
      const moved = slot(3 * 24 * 60);
      const res = await reschedule(admin, appointment.id, moved, 'W/"1"');
      expect(outcome(res)).toEqual({ status: 200 });
      expect(res.body).toMatchObject({ ...moved, version: 2 });
    });

    it('a stale version is 409 VERSION_CONFLICT with the current version', async () => {
      const { patient, appointment } = await setup();
      expect(outcome(await reschedule(patient, appointment.id, { reason: 'a' }, '"1"'))).toEqual({
        status: 200,
      });
      const moved = slot(2 * 24 * 60);
      const byHeader = await reschedule(patient, appointment.id, moved, '"1"');
      expect(outcome(byHeader)).toEqual({ status: 409, code: 'VERSION_CONFLICT' });
      expect(byHeader.body).toHaveProperty('details', { currentVersion: 2 });
      const byBody = await reschedule(patient, appointment.id, { ...moved, version: 1 });
      expect(outcome(byBody)).toEqual({ status: 409, code: 'VERSION_CONFLICT' });
      expect(byBody.body).toHaveProperty('details', { currentVersion: 2 });

      const read = await get(patient, appointment.id);
      expect(read.body).toMatchObject({ startsAt: appointment.startsAt, version: 2 });
    });

    it('no version at all is 428 VERSION_REQUIRED', async () => {
      const { patient, appointment } = await setup();
      const res = await reschedule(patient, appointment.id, slot(2 * 24 * 60));
      expect(outcome(res)).toEqual({ status: 428, code: 'VERSION_REQUIRED' });
      await expect(get(patient, appointment.id).then((r) => r.body)).resolves.toEqual(appointment);
    });

    it.each(['abc', '"v1"', '"1", "2"', ''])(
      'If-Match %p is 400 INVALID_IF_MATCH',
      async (ifMatch) => {
        const { patient, appointment } = await setup();
        const res = await reschedule(patient, appointment.id, slot(2 * 24 * 60), ifMatch);
        expect(outcome(res)).toEqual({ status: 400, code: 'INVALID_IF_MATCH' });
        await expect(get(patient, appointment.id).then((r) => r.body)).resolves.toEqual(
          appointment,
        );
      },
    );

    it('an empty body is 400 NOTHING_TO_CHANGE', async () => {
      const { patient, appointment } = await setup();
      for (const body of [{}, { version: 1 }]) {
        const res = await reschedule(patient, appointment.id, body, '"1"');
        expect(outcome(res)).toEqual({ status: 400, code: 'NOTHING_TO_CHANGE' });
      }
      await expect(get(patient, appointment.id).then((r) => r.body)).resolves.toEqual(appointment);
    });

    it('moving onto another booking is 409 (SLOT_UNAVAILABLE for a patient)', async () => {
      const { clinician, appointment } = await setup();
      const other = await newPatient();
      const later = await booked(other, { clinicianId: clinician.id, ...slot(2 * 24 * 60) });
      const res = await reschedule(
        other,
        later.id,
        { startsAt: appointment.startsAt, endsAt: appointment.endsAt },
        '"1"',
      );
      expect(outcome(res)).toEqual({ status: 409, code: 'SLOT_UNAVAILABLE' });
      const byStaff = await reschedule(
        clinician,
        later.id,
        { startsAt: appointment.startsAt, endsAt: appointment.endsAt },
        '"1"',
      );
      expect(outcome(byStaff)).toEqual({ status: 409, code: 'APPOINTMENT_CONFLICT' });
      await expect(get(other, later.id).then((r) => r.body)).resolves.toEqual(later);
    });

    it('moving into the past or to a bad length is refused like a booking', async () => {
      const { patient, appointment } = await setup();
      const past = await reschedule(patient, appointment.id, slot(-60), '"1"');
      expect(outcome(past)).toEqual({ status: 400, code: 'APPOINTMENT_IN_PAST' });
      const tooShort = await reschedule(
        patient,
        appointment.id,
        { endsAt: plusMinutes(appointment.startsAt, 4) },
        '"1"',
      );
      expect(outcome(tooShort)).toEqual({ status: 400, code: 'INVALID_TIME_RANGE' });
      await expect(get(patient, appointment.id).then((r) => r.body)).resolves.toEqual(appointment);
    });

    it('rescheduling a cancelled appointment is 409 INVALID_TRANSITION', async () => {
      const { patient, appointment } = await setup();
      const cancelled = await cancel(patient, appointment.id);
      expect(cancelled.body).toMatchObject({ status: 'cancelled', version: 2 });
      const res = await reschedule(patient, appointment.id, slot(2 * 24 * 60), '"2"');
      expect(outcome(res)).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
    });
  });

  describe('cancel', () => {
    it.each(['patient', 'clinician', 'admin'] as const)(
      'the %s may cancel; the status becomes cancelled',
      async (who) => {
        const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
        const appointment = await booked(patient, { clinicianId: clinician.id, ...slot(24 * 60) });
        const user = { patient, clinician, admin }[who];
        const res = await cancel(user, appointment.id, { reason: 'Feeling better' });
        expect(outcome(res)).toEqual({ status: 200 });
        expect(res.body).toMatchObject({ id: appointment.id, status: 'cancelled', version: 2 });
        await expect(get(patient, appointment.id).then((r) => r.body.status)).resolves.toBe(
          'cancelled',
        );
      },
    );

    it('cancelling twice is 409 INVALID_TRANSITION', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const appointment = await booked(patient, { clinicianId: clinician.id, ...slot(24 * 60) });
      expect(outcome(await cancel(patient, appointment.id))).toEqual({ status: 200 });
      const again = await cancel(clinician, appointment.id);
      expect(outcome(again)).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
      await expect(get(patient, appointment.id).then((r) => r.body.version)).resolves.toBe(2);
    });
  });

  describe('no-show', () => {
    async function startedAppointment() {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const id = await insertAppointment({
        patientId: patient.id,
        clinicianId: clinician.id,
        startsAt: minutesFromNow(-10),
        endsAt: minutesFromNow(20),
      });
      return { patient, clinician, id };
    }

    it('a patient may not mark a no-show: 403 FORBIDDEN_ROLE', async () => {
      const { patient, id } = await startedAppointment();
      const res = await noShow(patient, id);
      expect(outcome(res)).toEqual({ status: 403, code: 'FORBIDDEN_ROLE' });
      await expect(get(patient, id).then((r) => r.body.status)).resolves.toBe('scheduled');
    });

    it('before the start it is 409 APPOINTMENT_NOT_STARTED', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const appointment = await booked(patient, { clinicianId: clinician.id, ...slot(60) });
      for (const user of [clinician, admin]) {
        const res = await noShow(user, appointment.id);
        expect(outcome(res)).toEqual({ status: 409, code: 'APPOINTMENT_NOT_STARTED' });
      }
      await expect(get(patient, appointment.id).then((r) => r.body)).resolves.toEqual(appointment);
    });

    it('after the start the clinician marks it no_show; then it cannot be cancelled', async () => {
      const { patient, clinician, id } = await startedAppointment();
      const res = await noShow(clinician, id);
      expect(outcome(res)).toEqual({ status: 200 });
      expect(res.body).toMatchObject({ id, status: 'no_show', version: 2 });

      const cancelled = await cancel(patient, id);
      expect(outcome(cancelled)).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
      const twice = await noShow(clinician, id);
      expect(outcome(twice)).toEqual({ status: 409, code: 'INVALID_TRANSITION' });
      await expect(get(patient, id).then((r) => r.body.status)).resolves.toBe('no_show');
    });

    it('an admin may mark a no-show after the start', async () => {
      const { id } = await startedAppointment();
      const res = await noShow(admin, id);
      expect(outcome(res)).toEqual({ status: 200 });
      expect(res.body.status).toBe('no_show');
    });
  });

  describe('audit', () => {
    /** The audit entries about one target, newest first. */
    async function auditOf(targetId: string): Promise<AuditEntry[]> {
      const found: AuditEntry[] = [];
      let cursor: string | null = null;
      do {
        const params = new URLSearchParams({ targetId, limit: '100' });
        if (cursor) {
          params.set('cursor', cursor);
        }
        const res = await t.api.get(`/api/audit?${params.toString()}`, { token: admin.token });
        expect(res.status).toBe(200);
        found.push(...(res.body.items as AuditEntry[]));
        cursor = res.body.nextCursor;
      } while (cursor);
      return found;
    }

    it('booking, rescheduling and cancelling are recorded with who did it', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const appointment = await booked(patient, { clinicianId: clinician.id, ...slot(24 * 60) });
      const moved = await reschedule(clinician, appointment.id, slot(2 * 24 * 60), '"1"');
      expect(outcome(moved)).toEqual({ status: 200 });
      expect(outcome(await cancel(admin, appointment.id))).toEqual({ status: 200 });

      const entries = await auditOf(appointment.id);
      const summary = entries.map(({ action, actorId, targetType, targetId, outcome: result }) => ({
        action,
        actorId,
        targetType,
        targetId,
        outcome: result,
      }));
      const about = { targetType: 'appointment', targetId: appointment.id, outcome: 'success' };
      expect(summary).toEqual([
        { action: 'appointment.cancel', actorId: admin.id, ...about },
        { action: 'appointment.reschedule', actorId: clinician.id, ...about },
        { action: 'appointment.create', actorId: patient.id, ...about },
      ]);
    });

    it('a non-admin reading the audit log is 403 FORBIDDEN_ROLE', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      for (const user of [patient, clinician]) {
        const res = await t.api.get('/api/audit', { token: user.token });
        expect(outcome(res)).toEqual({ status: 403, code: 'FORBIDDEN_ROLE' });
      }
    });
  });
});
