import { Client } from 'pg';
import { VisitSchedulerService } from '../../src/appointments/visit-scheduler.service';
import { loginAdmin, makePatient, makeStaff, minutesFromNow, TestUser } from '../support/factories';
import { createScratchDatabase } from '../support/db';
import { startTestApp, TestApp } from '../support/test-app';

/**
 * Reminders and automatic no-shows, driven by `VisitSchedulerService.runOnce(now)` with explicit
 * times. runOnce acts on every due row in its database, and a time days ahead would settle other
 * suites' visits (no-shows, reminders) while they run; so this suite has a database of its own,
 * on the run's server, built by the app's migrations on start.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

interface Booked {
  id: string;
  startsAt: string;
  endsAt: string;
  version: number;
}

interface ReminderNotice {
  userId: string;
  appointmentId: string;
  kind: string;
  startsAt: string;
}

const at = (iso: string, offsetMs: number) => new Date(Date.parse(iso) + offsetMs);

describe('reminders and missed visits (scheduler on real Postgres)', () => {
  let scratch: Awaited<ReturnType<typeof createScratchDatabase>>;
  let db: Client;
  let a: TestApp;
  let b: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    scratch = await createScratchDatabase('televisit_sched');
    a = await startTestApp(scratch.env);
    b = await startTestApp(scratch.env);
    db = new Client({ connectionString: scratch.url });
    await db.connect();
    admin = await loginAdmin(a);
  }, 120_000);

  afterAll(async () => {
    await db?.end();
    await a?.close();
    await b?.close();
    await scratch?.drop();
  });

  const schedulerOf = (app: TestApp) => app.app.get(VisitSchedulerService);
  const runOnce = (now: Date) => schedulerOf(a).runOnce(now);

  async function pair(): Promise<{ patient: TestUser; clinician: TestUser }> {
    const [patient, clinician] = await Promise.all([
      makePatient(a.api, 'Rita Reminded'),
      makeStaff(a.api, admin.token, 'clinician', 'Dr Tim Timely'),
    ]);
    return { patient, clinician };
  }

  /** Books through the API, starting `startsIn` minutes from now (or at that time). */
  async function book(
    patient: TestUser,
    clinician: TestUser,
    startsIn: number | string,
    lengthMinutes = 30,
  ): Promise<Booked> {
    const startsAt = typeof startsIn === 'string' ? startsIn : minutesFromNow(startsIn);
    const endsAt = at(startsAt, lengthMinutes * MINUTE).toISOString();
    const res = await a.api.post(
      '/api/appointments',
      { clinicianId: clinician.id, startsAt, endsAt },
      { token: patient.token },
    );
    expect(res.status).toBe(201);
    return res.body as Booked;
  }

  async function reminderRows(appointmentId: string) {
    const { rows } = await db.query<{ kind: string; dueAt: Date; sent: boolean }>(
      `SELECT kind, due_at AS "dueAt", sent_at IS NOT NULL AS sent
         FROM appointment_reminders WHERE appointment_id = $1 ORDER BY due_at`,
      [appointmentId],
    );
    return rows.map((r) => ({ kind: r.kind, dueAt: r.dueAt.toISOString(), sent: r.sent }));
  }

  /** Every reminder notification these users have, oldest first. */
  async function reminders(...users: TestUser[]): Promise<ReminderNotice[]> {
    const { rows } = await db.query<ReminderNotice>(
      `SELECT user_id AS "userId", data->>'appointmentId' AS "appointmentId",
              data->>'reminder' AS kind, data->>'startsAt' AS "startsAt"
         FROM notifications
        WHERE type = 'appointment.reminder' AND user_id = ANY($1::uuid[])
        ORDER BY seq`,
      [users.map((u) => u.id)],
    );
    return rows;
  }

  const notice = (user: TestUser, booked: Booked, kind: string): ReminderNotice => ({
    userId: user.id,
    appointmentId: booked.id,
    kind,
    startsAt: booked.startsAt,
  });

  async function statusOf(user: TestUser, appointmentId: string): Promise<string> {
    const res = await a.api.get(`/api/appointments/${appointmentId}`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body.status as string;
  }

  async function insertVisit(
    patient: TestUser,
    clinician: TestUser,
    startsAt: Date,
    endsAt: Date,
    status = 'scheduled',
  ): Promise<string> {
    const { rows } = await db.query<{ id: string }>(
      `INSERT INTO appointments (patient_id, clinician_id, starts_at, ends_at, status)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [patient.id, clinician.id, startsAt, endsAt, status],
    );
    return rows[0].id;
  }

  async function missedNotices(...users: TestUser[]) {
    const { rows } = await db.query<{ userId: string; appointmentId: string }>(
      `SELECT user_id AS "userId", data->>'appointmentId' AS "appointmentId"
         FROM notifications WHERE type = 'session.missed' AND user_id = ANY($1::uuid[])
        ORDER BY seq`,
      [users.map((u) => u.id)],
    );
    return rows;
  }

  describe('reminders', () => {
    it('a visit 3 days ahead gets its 24 h and 10 min reminders, each exactly once, to both', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 3 * 24 * 60);
      const due24h = at(booked.startsAt, -DAY);
      const due10m = at(booked.startsAt, -10 * MINUTE);
      await expect(reminderRows(booked.id)).resolves.toEqual([
        { kind: '24h', dueAt: due24h.toISOString(), sent: false },
        { kind: '10m', dueAt: due10m.toISOString(), sent: false },
      ]);

      await runOnce(new Date());
      await runOnce(at(due24h.toISOString(), -1));
      await expect(reminders(patient, clinician)).resolves.toEqual([]);

      await runOnce(due24h);
      const after24h = await reminders(patient, clinician);
      expect(after24h).toHaveLength(2);
      expect(after24h).toEqual(
        expect.arrayContaining([notice(patient, booked, '24h'), notice(clinician, booked, '24h')]),
      );

      for (const now of [due24h, at(due24h.toISOString(), HOUR), at(due10m.toISOString(), -1)]) {
        await runOnce(now);
      }
      await expect(reminders(patient, clinician)).resolves.toEqual(after24h);

      await runOnce(due10m);
      const all = await reminders(patient, clinician);
      expect(all.slice(0, 2)).toEqual(after24h);
      expect(all.slice(2)).toEqual(
        expect.arrayContaining([notice(patient, booked, '10m'), notice(clinician, booked, '10m')]),
      );
      expect(all).toHaveLength(4);

      for (const now of [due10m, at(booked.startsAt, -MINUTE), at(booked.startsAt, 5 * MINUTE)]) {
        await runOnce(now);
      }
      await expect(reminders(patient, clinician)).resolves.toEqual(all);
      await expect(reminderRows(booked.id)).resolves.toEqual([
        { kind: '24h', dueAt: due24h.toISOString(), sent: true },
        { kind: '10m', dueAt: due10m.toISOString(), sent: true },
      ]);
    });

    it('says what a client needs: the visit, its times and the other person', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 3 * 24 * 60);
      await runOnce(at(booked.startsAt, -DAY));
      const { rows } = await db.query<{ userId: string; data: Record<string, unknown> }>(
        `SELECT user_id AS "userId", data FROM notifications
          WHERE type = 'appointment.reminder' AND user_id = ANY($1::uuid[])`,
        [[patient.id, clinician.id]],
      );
      const base = {
        appointmentId: booked.id,
        startsAt: booked.startsAt,
        endsAt: booked.endsAt,
        reason: null,
        reminder: '24h',
      };
      expect(rows).toHaveLength(2);
      expect(rows).toEqual(
        expect.arrayContaining([
          {
            userId: patient.id,
            data: {
              ...base,
              otherParty: { id: clinician.id, role: 'clinician', displayName: 'Dr Tim Timely' },
            },
          },
          {
            userId: clinician.id,
            data: {
              ...base,
              otherParty: { id: patient.id, role: 'patient', displayName: 'Rita Reminded' },
            },
          },
        ]),
      );
    });

    it('two instances racing on one database still send each reminder once', async () => {
      // Eight visits starting together: their reminders all fall due at the same moments.
      const pairs = await Promise.all(Array.from({ length: 8 }, () => pair()));
      const startsIn = minutesFromNow(3 * 24 * 60 + 7);
      const visits = await Promise.all(pairs.map((p) => book(p.patient, p.clinician, startsIn)));
      const users = pairs.flatMap((p) => [p.patient, p.clinician]);
      const { startsAt } = visits[0];
      expect(visits.every((v) => v.startsAt === startsAt)).toBe(true);
      const schedulers = [schedulerOf(a), schedulerOf(b)];
      // Every 24 h reminder due at once, then every 10 min one, each moment raced twice.
      const moments = [
        at(startsAt, -DAY),
        at(startsAt, -DAY),
        at(startsAt, -10 * MINUTE),
        at(startsAt, -10 * MINUTE),
        at(startsAt, -MINUTE),
      ];
      for (const now of moments) {
        await Promise.all(
          Array.from({ length: 6 }, (_, i) => schedulers[i % 2].runOnce(new Date(now))),
        );
      }

      const { rows } = await db.query<{
        appointmentId: string;
        kind: string;
        userId: string;
        n: number;
      }>(
        `SELECT data->>'appointmentId' AS "appointmentId", data->>'reminder' AS kind,
                user_id AS "userId", count(*)::int AS n
           FROM notifications
          WHERE type = 'appointment.reminder' AND user_id = ANY($1::uuid[])
          GROUP BY 1, 2, 3`,
        [users.map((u) => u.id)],
      );
      const expected = pairs.flatMap((p, i) =>
        [p.patient, p.clinician].flatMap((u) =>
          ['24h', '10m'].map((kind) => ({ appointmentId: visits[i].id, kind, userId: u.id, n: 1 })),
        ),
      );
      const byKey = (r: { appointmentId: string; kind: string; userId: string }) =>
        `${r.appointmentId}/${r.kind}/${r.userId}`;
      expect([...rows].sort((x, y) => byKey(x).localeCompare(byKey(y)))).toEqual(
        expected.sort((x, y) => byKey(x).localeCompare(byKey(y))),
      );
      const { rows: unsent } = await db.query(
        `SELECT 1 FROM appointment_reminders
          WHERE appointment_id = ANY($1::uuid[]) AND sent_at IS NULL`,
        [visits.map((v) => v.id)],
      );
      expect(unsent).toEqual([]);
    });

    it('a reschedule moves them: sent at the new times, never at the old', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 3 * 24 * 60);
      const moved = await a.api.patch(
        `/api/appointments/${booked.id}`,
        {
          startsAt: at(booked.startsAt, DAY).toISOString(),
          endsAt: at(booked.endsAt, DAY).toISOString(),
          version: booked.version,
        },
        { token: patient.token },
      );
      expect(moved.status).toBe(200);
      const now = moved.body as Booked;
      await expect(reminderRows(booked.id)).resolves.toEqual([
        { kind: '24h', dueAt: at(now.startsAt, -DAY).toISOString(), sent: false },
        { kind: '10m', dueAt: at(now.startsAt, -10 * MINUTE).toISOString(), sent: false },
      ]);

      // The old times come and go: nothing.
      await runOnce(at(booked.startsAt, -DAY));
      await runOnce(at(booked.startsAt, -10 * MINUTE));
      await runOnce(at(booked.startsAt, -MINUTE));
      await expect(reminders(patient, clinician)).resolves.toEqual([]);

      await runOnce(at(now.startsAt, -DAY));
      await runOnce(at(now.startsAt, -10 * MINUTE));
      const sent = await reminders(patient, clinician);
      expect(sent).toHaveLength(4);
      expect(sent).toEqual(
        expect.arrayContaining([
          notice(patient, now, '24h'),
          notice(clinician, now, '24h'),
          notice(patient, now, '10m'),
          notice(clinician, now, '10m'),
        ]),
      );
    });

    it('a reschedule to within a day drops the 24-hour reminder', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 3 * 24 * 60);
      const soon = new Date(Date.now() + 2 * HOUR);
      soon.setUTCSeconds(0, 0);
      const moved = await a.api.patch(
        `/api/appointments/${booked.id}`,
        {
          startsAt: soon.toISOString(),
          endsAt: at(soon.toISOString(), 30 * MINUTE).toISOString(),
          version: booked.version,
        },
        { token: patient.token },
      );
      expect(moved.status).toBe(200);
      await expect(reminderRows(booked.id)).resolves.toEqual([
        { kind: '10m', dueAt: at(soon.toISOString(), -10 * MINUTE).toISOString(), sent: false },
      ]);
    });

    it('a reschedule after a reminder went out sends it again for the new time', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 3 * 24 * 60);
      await runOnce(at(booked.startsAt, -DAY));
      const first = await reminders(patient, clinician);
      expect(first.map((r) => r.kind)).toEqual(['24h', '24h']);

      const res = await a.api.patch(
        `/api/appointments/${booked.id}`,
        {
          startsAt: at(booked.startsAt, 2 * DAY).toISOString(),
          endsAt: at(booked.endsAt, 2 * DAY).toISOString(),
          version: booked.version,
        },
        { token: clinician.token },
      );
      expect(res.status).toBe(200);
      const moved = res.body as Booked;

      await runOnce(at(moved.startsAt, -DAY - MINUTE));
      await expect(reminders(patient, clinician)).resolves.toEqual(first);
      await runOnce(at(moved.startsAt, -DAY));
      const again = await reminders(patient, clinician);
      expect(again.slice(2)).toEqual(
        expect.arrayContaining([notice(patient, moved, '24h'), notice(clinician, moved, '24h')]),
      );
      expect(again).toHaveLength(4);
    });

    it('a cancel removes them: no reminder after it', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 3 * 24 * 60);
      const res = await a.api.post(
        `/api/appointments/${booked.id}/cancel`,
        {},
        { token: patient.token },
      );
      expect(res.status).toBe(200);
      await expect(reminderRows(booked.id)).resolves.toEqual([]);

      for (const now of [
        at(booked.startsAt, -DAY),
        at(booked.startsAt, -10 * MINUTE),
        at(booked.startsAt, -MINUTE),
      ]) {
        await runOnce(now);
      }
      await expect(reminders(patient, clinician)).resolves.toEqual([]);
    });

    it('a visit booked 2 hours ahead never gets a 24 h reminder, only the 10 min one', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 120);
      await expect(reminderRows(booked.id)).resolves.toEqual([
        { kind: '10m', dueAt: at(booked.startsAt, -10 * MINUTE).toISOString(), sent: false },
      ]);

      await runOnce(new Date());
      await runOnce(at(booked.startsAt, -10 * MINUTE - 1));
      await expect(reminders(patient, clinician)).resolves.toEqual([]);
      for (const now of [
        at(booked.startsAt, -10 * MINUTE),
        at(booked.startsAt, -5 * MINUTE),
        at(booked.startsAt, -MINUTE),
      ]) {
        await runOnce(now);
      }
      const sent = await reminders(patient, clinician);
      expect(sent).toHaveLength(2);
      expect(sent).toEqual(
        expect.arrayContaining([notice(patient, booked, '10m'), notice(clinician, booked, '10m')]),
      );
    });

    it('a visit booked 5 minutes ahead gets no reminder at all', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 5);
      await expect(reminderRows(booked.id)).resolves.toEqual([]);
      await runOnce(at(booked.startsAt, -MINUTE));
      await expect(reminders(patient, clinician)).resolves.toEqual([]);
    });

    it('a reminder first looked at after the visit started is dropped, not sent late', async () => {
      const { patient, clinician } = await pair();
      const booked = await book(patient, clinician, 120);
      await runOnce(at(booked.startsAt, MINUTE));
      await expect(reminders(patient, clinician)).resolves.toEqual([]);
      await expect(reminderRows(booked.id)).resolves.toEqual([
        { kind: '10m', dueAt: at(booked.startsAt, -10 * MINUTE).toISOString(), sent: true },
      ]);
      await runOnce(at(booked.startsAt, 2 * MINUTE));
      await expect(reminders(patient, clinician)).resolves.toEqual([]);
    });
  });

  describe('missed visits', () => {
    it('a scheduled visit more than the grace past its end becomes no_show, and the patient is told once', async () => {
      const { patient, clinician } = await pair();
      const endsAt = new Date(Date.now() - HOUR);
      const id = await insertVisit(patient, clinician, new Date(endsAt.getTime() - HOUR), endsAt);

      // Within NO_SHOW_GRACE_MINUTES (15) of its end: left alone.
      await runOnce(new Date(endsAt.getTime() + 14 * MINUTE));
      await expect(statusOf(patient, id)).resolves.toBe('scheduled');
      await expect(missedNotices(patient, clinician)).resolves.toEqual([]);

      await runOnce(new Date(endsAt.getTime() + 16 * MINUTE));
      await expect(statusOf(patient, id)).resolves.toBe('no_show');
      await expect(statusOf(clinician, id)).resolves.toBe('no_show');
      const { rows } = await db.query<{ data: Record<string, unknown> }>(
        `SELECT data FROM notifications WHERE type = 'session.missed' AND user_id = $1`,
        [patient.id],
      );
      expect(rows).toEqual([
        {
          data: {
            appointmentId: id,
            startsAt: new Date(endsAt.getTime() - HOUR).toISOString(),
            endsAt: endsAt.toISOString(),
            reason: null,
            otherParty: { id: clinician.id, role: 'clinician', displayName: 'Dr Tim Timely' },
          },
        },
      ]);

      await runOnce(new Date(endsAt.getTime() + 16 * MINUTE));
      await runOnce(new Date());
      await expect(missedNotices(patient, clinician)).resolves.toEqual([
        { userId: patient.id, appointmentId: id },
      ]);
      const audit = await db.query(
        `SELECT 1 FROM audit_log WHERE action = 'appointment.no_show' AND target_id = $1`,
        [id],
      );
      expect(audit.rows).toHaveLength(1);
    });

    it('an in-progress visit past its end is left alone', async () => {
      const { patient, clinician } = await pair();
      // Not yet an hour over: an abandoned one is completed (visit-closed.e2e-spec).
      const endsAt = new Date(Date.now() - 30 * MINUTE);
      const id = await insertVisit(
        patient,
        clinician,
        new Date(endsAt.getTime() - HOUR),
        endsAt,
        'in_progress',
      );
      await runOnce(new Date());
      await expect(statusOf(patient, id)).resolves.toBe('in_progress');
      await expect(missedNotices(patient, clinician)).resolves.toEqual([]);
    });

    it('two instances racing mark each missed visit and notify its patient once', async () => {
      const { patient, clinician } = await pair();
      const ids: string[] = [];
      for (let i = 0; i < 6; i += 1) {
        const startsAt = new Date(Date.now() - (i + 2) * HOUR);
        ids.push(
          await insertVisit(patient, clinician, startsAt, new Date(startsAt.getTime() + HOUR / 2)),
        );
      }
      const schedulers = [schedulerOf(a), schedulerOf(b)];
      const now = new Date();
      await Promise.all(Array.from({ length: 6 }, (_, i) => schedulers[i % 2].runOnce(now)));

      for (const id of ids) {
        await expect(statusOf(clinician, id)).resolves.toBe('no_show');
      }
      const notices = await missedNotices(patient, clinician);
      expect(notices.map((n) => n.appointmentId).sort()).toEqual([...ids].sort());
      expect(notices.every((n) => n.userId === patient.id)).toBe(true);
    });
  });
});
