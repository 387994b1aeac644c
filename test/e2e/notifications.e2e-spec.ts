import { randomUUID } from 'node:crypto';
import { NotificationPusher } from '../../src/notifications/notification-pusher';
import { loginAdmin, makePatient, makeStaff, slot, TestUser } from '../support/factories';
import { connectTestDatabase } from '../support/pg';
import { Frame, SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect, expectAck, makeVisit } from '../support/visits';

interface NotificationView {
  id: string;
  type: string;
  data: Record<string, any>;
  createdAt: string;
  readAt: string | null;
}

interface Booked {
  id: string;
  startsAt: string;
  endsAt: string;
  reason: string | null;
  version: number;
}

const REASON = 'Follow-up on blood pressure';
const ISO_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** What every notification about an appointment says, and nothing more. */
function about(
  appointment: Pick<Booked, 'id' | 'startsAt' | 'endsAt' | 'reason'>,
  other: TestUser,
  extra: Record<string, unknown> = {},
) {
  return {
    appointmentId: appointment.id,
    startsAt: appointment.startsAt,
    endsAt: appointment.endsAt,
    reason: appointment.reason,
    otherParty: { id: other.id, role: other.role, displayName: other.displayName },
    ...extra,
  };
}

/** The id of the notification a `notification` frame carries. */
const idOf = (f: Frame): string => (f.data as NotificationView).id;

function isNotification(type: string, appointmentId: string) {
  return (f: Frame) =>
    f.event === 'notification' &&
    f.data?.type === type &&
    f.data?.data?.appointmentId === appointmentId;
}

describe('notifications (e2e)', () => {
  let t: TestApp;
  let admin: TestUser;
  let bystander: TestUser;
  /** Sockets of people no notification in this file is ever meant for. */
  let bystanderSocket: SignalingClient;
  let adminSocket: SignalingClient;

  beforeAll(async () => {
    t = await startTestApp();
    admin = await loginAdmin(t);
    bystander = await makePatient(t.api, 'Bea Bystander');
    bystanderSocket = await connect(t, bystander);
    adminSocket = await connect(t, admin);
  });

  afterAll(async () => {
    await SignalingClient.closeAll();
    await t.close();
  });

  const newPatient = (name = 'Paula Patient', app = t) => makePatient(app.api, name);
  const newClinician = (name = 'Dr Quinn Clinician', app = t) =>
    makeStaff(app.api, admin.token, 'clinician', name);

  async function book(
    actor: TestUser,
    body: { clinicianId: string; patientId?: string; startsAt: string; endsAt: string },
    app = t,
  ): Promise<Booked> {
    const res = await app.api.post(
      '/api/appointments',
      { reason: REASON, ...body },
      {
        token: actor.token,
      },
    );
    expect(res.status).toBe(201);
    return res.body as Booked;
  }

  async function reschedule(actor: TestUser, booked: Booked, minutesLater: number) {
    const startsAt = new Date(Date.parse(booked.startsAt) + minutesLater * 60_000).toISOString();
    const endsAt = new Date(Date.parse(booked.endsAt) + minutesLater * 60_000).toISOString();
    const res = await t.api.patch(
      `/api/appointments/${booked.id}`,
      { startsAt, endsAt, version: booked.version },
      { token: actor.token },
    );
    expect(res.status).toBe(200);
    return res.body as Booked;
  }

  async function cancel(actor: TestUser, booked: Booked) {
    const res = await t.api.post(
      `/api/appointments/${booked.id}/cancel`,
      {},
      { token: actor.token },
    );
    expect(res.status).toBe(200);
  }

  async function inbox(user: TestUser, query = 'limit=100', app = t): Promise<NotificationView[]> {
    const res = await app.api.get(`/api/notifications?${query}`, { token: user.token });
    expect(res.status).toBe(200);
    return res.body.items as NotificationView[];
  }

  async function unreadCount(user: TestUser): Promise<number> {
    const res = await t.api.get('/api/notifications/unread-count', { token: user.token });
    expect(res.status).toBe(200);
    return res.body.count as number;
  }

  async function twoSockets(user: TestUser): Promise<SignalingClient[]> {
    return [await connect(t, user), await connect(t, user)];
  }

  /**
   * The notification of `type` about the appointment as it reached each socket: the same one
   * on all of them, exactly once each, and the same as the recipient's inbox holds.
   */
  async function deliveredTo(
    recipient: TestUser,
    sockets: SignalingClient[],
    type: string,
    appointmentId: string,
  ): Promise<NotificationView> {
    const frames = await Promise.all(
      sockets.map((s) => s.next(isNotification(type, appointmentId))),
    );
    const view = frames[0].data as NotificationView;
    for (const frame of frames) {
      expect(frame.data).toEqual(view);
    }
    await Promise.all(sockets.map((s) => s.sync()));
    for (const socket of sockets) {
      expect(socket.received('notification').filter((f) => f.data.id === view.id)).toHaveLength(1);
    }
    expect(view.readAt).toBeNull();
    expect(view.createdAt).toMatch(ISO_UTC);
    expect(Object.keys(view).sort()).toEqual(['createdAt', 'data', 'id', 'readAt', 'type']);
    expect(await inbox(recipient)).toContainEqual(view);
    return view;
  }

  /** Sockets of people the change is not for: after a round trip, no notification at all. */
  async function expectNothingOn(...sockets: SignalingClient[]): Promise<void> {
    await Promise.all(sockets.map((s) => s.sync()));
    for (const socket of sockets) {
      expect(socket.received('notification')).toEqual([]);
    }
  }

  describe('live delivery to every socket of the recipient, and nowhere else', () => {
    it('appointment.created: a patient books, the clinician is told', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const patientSockets = await twoSockets(patient);
      const clinicianSockets = await twoSockets(clinician);

      const booked = await book(patient, { clinicianId: clinician.id, ...slot(60) });

      const view = await deliveredTo(clinician, clinicianSockets, 'appointment.created', booked.id);
      expect(view.data).toEqual(about(booked, patient));
      await expectNothingOn(...patientSockets, bystanderSocket, adminSocket);
      await expect(inbox(patient)).resolves.toEqual([]);
    });

    it('a notification too large to ride in the announcement is still pushed, read by id', async () => {
      const patient = await newPatient();
      const socket = await connect(t, patient);
      const db = await connectTestDatabase();
      const note = 'x'.repeat(9_000);
      try {
        await db.query(
          `INSERT INTO notifications (user_id, type, data)
           VALUES ($1, 'appointment.created', jsonb_build_object('note', $2::text))`,
          [patient.id, note],
        );
      } finally {
        await db.end();
      }
      const frame = await socket.next('notification');
      expect(frame.data).toMatchObject({ type: 'appointment.created', data: { note } });
      expect(await inbox(patient)).toEqual([frame.data]);
    });

    it('an announcement carrying only the id (as before migration 5) is still pushed', async () => {
      const patient = await newPatient();
      const socket = await connect(t, patient);
      // As the owner: the role the service serves as may not switch triggers off.
      const db = await connectTestDatabase('owner');
      try {
        // As an instance still on the old trigger would: the row, then the bare id.
        await db.query(`SET session_replication_role = replica`); // no trigger for this session
        const { rows } = await db.query<{ id: string }>(
          `INSERT INTO notifications (user_id, type, data)
           VALUES ($1, 'appointment.created', '{"note": "old"}') RETURNING id`,
          [patient.id],
        );
        await db.query(`SELECT pg_notify('televisit_notifications', $1)`, [rows[0].id]);
      } finally {
        await db.end();
      }
      const frame = await socket.next('notification');
      expect(frame.data).toMatchObject({ type: 'appointment.created', data: { note: 'old' } });
      expect(await inbox(patient)).toEqual([frame.data]);
    });

    it('appointment.created: a clinician books for a patient, the patient is told', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const patientSockets = await twoSockets(patient);
      const clinicianSockets = await twoSockets(clinician);

      const booked = await book(clinician, {
        clinicianId: clinician.id,
        patientId: patient.id,
        ...slot(60),
      });

      const view = await deliveredTo(patient, patientSockets, 'appointment.created', booked.id);
      expect(view.data).toEqual(about(booked, clinician));
      await expectNothingOn(...clinicianSockets, bystanderSocket, adminSocket);
      await expect(inbox(clinician)).resolves.toEqual([]);
    });

    it('appointment.created: an admin books, both participants are told', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const patientSockets = await twoSockets(patient);
      const clinicianSockets = await twoSockets(clinician);

      const booked = await book(admin, {
        clinicianId: clinician.id,
        patientId: patient.id,
        ...slot(60),
      });

      const toPatient = await deliveredTo(
        patient,
        patientSockets,
        'appointment.created',
        booked.id,
      );
      const toClinician = await deliveredTo(
        clinician,
        clinicianSockets,
        'appointment.created',
        booked.id,
      );
      expect(toPatient.id).not.toBe(toClinician.id);
      expect(toPatient.data).toEqual(about(booked, clinician));
      expect(toClinician.data).toEqual(about(booked, patient));
      // Each participant got only their own notification.
      for (const socket of patientSockets) {
        expect(socket.received('notification').map(idOf)).toEqual([toPatient.id]);
      }
      for (const socket of clinicianSockets) {
        expect(socket.received('notification').map(idOf)).toEqual([toClinician.id]);
      }
      await expectNothingOn(bystanderSocket, adminSocket);
      await expect(inbox(admin)).resolves.toEqual([]);
    });

    it('appointment.rescheduled: the other participant is told the new and the previous times', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const patientSockets = await twoSockets(patient);
      const clinicianSockets = await twoSockets(clinician);
      const booked = await book(patient, { clinicianId: clinician.id, ...slot(60) });
      await deliveredTo(clinician, clinicianSockets, 'appointment.created', booked.id);

      const moved = await reschedule(patient, booked, 90);

      const view = await deliveredTo(
        clinician,
        clinicianSockets,
        'appointment.rescheduled',
        booked.id,
      );
      expect(view.data).toEqual(
        about(moved, patient, {
          previous: { startsAt: booked.startsAt, endsAt: booked.endsAt },
        }),
      );
      expect(view.data.startsAt).not.toBe(booked.startsAt);
      await expectNothingOn(...patientSockets, bystanderSocket, adminSocket);
    });

    it('appointment.cancelled: a clinician cancels, the patient is told', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const patientSockets = await twoSockets(patient);
      const clinicianSockets = await twoSockets(clinician);
      const booked = await book(clinician, {
        clinicianId: clinician.id,
        patientId: patient.id,
        ...slot(60),
      });
      await deliveredTo(patient, patientSockets, 'appointment.created', booked.id);

      await cancel(clinician, booked);

      const view = await deliveredTo(patient, patientSockets, 'appointment.cancelled', booked.id);
      expect(view.data).toEqual(about(booked, clinician));
      await expectNothingOn(...clinicianSockets, bystanderSocket, adminSocket);
    });

    it('session.patient_waiting: a patient enters the waiting room, the clinician is told', async () => {
      const visit = await makeVisit(t, {
        startsInMinutes: 5,
        patientName: 'Wanda Waiting',
        clinicianName: 'Dr Ada Admitter',
      });
      const patientSocket = await connect(t, visit.patient);
      const clinicianSockets = await twoSockets(visit.clinician);

      const join = await expectAck(
        patientSocket.request('session.join', { appointmentId: visit.appointmentId }),
      );
      expect(join.state).toBe('waiting');

      const view = await deliveredTo(
        visit.clinician,
        clinicianSockets,
        'session.patient_waiting',
        visit.appointmentId,
      );
      expect(view.data).toEqual(
        about(
          { id: visit.appointmentId, startsAt: visit.startsAt, endsAt: visit.endsAt, reason: null },
          visit.patient,
        ),
      );
      await expectNothingOn(patientSocket, bystanderSocket, adminSocket);
    });

    it('session.missed: the clinician records a no-show, the patient is told', async () => {
      const now = Date.now();
      const visit = await makeVisit(t, {
        row: { startsAt: new Date(now - 10 * 60_000), endsAt: new Date(now + 20 * 60_000) },
        patientName: 'Mo Missing',
        clinicianName: 'Dr Nia Noshow',
      });
      const patientSockets = await twoSockets(visit.patient);
      const clinicianSockets = await twoSockets(visit.clinician);

      const res = await t.api.post(
        `/api/appointments/${visit.appointmentId}/no-show`,
        {},
        { token: visit.clinician.token },
      );
      expect(res.status).toBe(200);
      expect(res.body.status).toBe('no_show');

      const view = await deliveredTo(
        visit.patient,
        patientSockets,
        'session.missed',
        visit.appointmentId,
      );
      expect(view.data).toEqual(
        about(
          { id: visit.appointmentId, startsAt: visit.startsAt, endsAt: visit.endsAt, reason: null },
          visit.clinician,
        ),
      );
      await expectNothingOn(...clinicianSockets, bystanderSocket, adminSocket);
      await expect(inbox(visit.clinician)).resolves.toEqual([]);
    });
  });

  describe('the REST inbox', () => {
    let patient: TestUser;
    let clinician: TestUser;
    /** The clinician's notifications, newest first. */
    let expected: { type: string; appointmentId: string }[];

    beforeAll(async () => {
      [patient, clinician] = await Promise.all([newPatient('Ivy Inbox'), newClinician()]);
      const first = await book(patient, { clinicianId: clinician.id, ...slot(60) });
      const second = await book(patient, { clinicianId: clinician.id, ...slot(120) });
      const third = await book(patient, { clinicianId: clinician.id, ...slot(180) });
      await reschedule(patient, first, 300);
      await cancel(patient, second);
      expected = [
        { type: 'appointment.cancelled', appointmentId: second.id },
        { type: 'appointment.rescheduled', appointmentId: first.id },
        { type: 'appointment.created', appointmentId: third.id },
        { type: 'appointment.created', appointmentId: second.id },
        { type: 'appointment.created', appointmentId: first.id },
      ];
    });

    const summary = (items: NotificationView[]) =>
      items.map((n) => ({ type: n.type, appointmentId: n.data.appointmentId }));

    it('lists the own notifications newest first, a page at a time', async () => {
      const all = await inbox(clinician);
      expect(summary(all)).toEqual(expected);
      expect(new Set(all.map((n) => n.id)).size).toBe(all.length);

      const first = await t.api.get('/api/notifications?limit=2', { token: clinician.token });
      expect(first.status).toBe(200);
      expect(Object.keys(first.body).sort()).toEqual(['items', 'nextCursor']);
      expect(first.body.items).toEqual(all.slice(0, 2));
      expect(typeof first.body.nextCursor).toBe('string');

      const second = await t.api.get(
        `/api/notifications?limit=2&cursor=${encodeURIComponent(first.body.nextCursor)}`,
        { token: clinician.token },
      );
      expect(second.status).toBe(200);
      expect(second.body.items).toEqual(all.slice(2, 4));
      expect(typeof second.body.nextCursor).toBe('string');

      const last = await t.api.get(
        `/api/notifications?limit=2&cursor=${encodeURIComponent(second.body.nextCursor)}`,
        { token: clinician.token },
      );
      expect(last.status).toBe(200);
      expect(last.body).toEqual({ items: all.slice(4), nextCursor: null });

      const whole = await t.api.get('/api/notifications?limit=5', { token: clinician.token });
      expect(whole.body).toEqual({ items: all, nextCursor: null });
    });

    it('refuses a bad limit, unread filter or cursor with 400', async () => {
      for (const query of ['limit=0', 'limit=101', 'unread=maybe', 'cursor=not-a-cursor']) {
        const res = await t.api.get(`/api/notifications?${query}`, { token: clinician.token });
        expect({ query, status: res.status }).toEqual({ query, status: 400 });
        expect(typeof res.body.code).toBe('string');
      }
    });

    it('a user only ever lists their own', async () => {
      const own = await inbox(clinician);
      // The patient made every change: nothing in their inbox, and none of the clinician's.
      await expect(inbox(patient)).resolves.toEqual([]);
      await expect(unreadCount(patient)).resolves.toBe(0);
      await expect(inbox(bystander)).resolves.toEqual([]);
      const adminItems = await inbox(admin);
      const ownIds = new Set(own.map((n) => n.id));
      expect(adminItems.filter((n) => ownIds.has(n.id))).toEqual([]);
    });

    it('reads one, filters unread, counts, and reads all', async () => {
      await expect(unreadCount(clinician)).resolves.toBe(5);
      const all = await inbox(clinician);
      const target = all[2];

      const read = await t.api.post(`/api/notifications/${target.id}/read`, undefined, {
        token: clinician.token,
      });
      expect(read.status).toBe(200);
      expect(read.body).toEqual({ ...target, readAt: expect.stringMatching(ISO_UTC) });
      await expect(unreadCount(clinician)).resolves.toBe(4);

      // Reading it again changes nothing, not even when it was read.
      const again = await t.api.post(`/api/notifications/${target.id}/read`, undefined, {
        token: clinician.token,
      });
      expect(again.status).toBe(200);
      expect(again.body.readAt).toBe(read.body.readAt);
      await expect(unreadCount(clinician)).resolves.toBe(4);

      const unread = await inbox(clinician, 'unread=true');
      expect(unread.map((n) => n.id)).toEqual(
        all.filter((n) => n.id !== target.id).map((n) => n.id),
      );
      const everything = await inbox(clinician, 'unread=false');
      expect(everything.map((n) => n.id)).toEqual(all.map((n) => n.id));
      expect(everything[2].readAt).toBe(read.body.readAt);

      const readAll = await t.api.post('/api/notifications/read-all', undefined, {
        token: clinician.token,
      });
      expect(readAll.status).toBe(200);
      expect(readAll.body).toEqual({ updated: 4 });
      await expect(unreadCount(clinician)).resolves.toBe(0);
      await expect(inbox(clinician, 'unread=true')).resolves.toEqual([]);
      const afterAll = await inbox(clinician);
      expect(afterAll.map((n) => n.id)).toEqual(all.map((n) => n.id));
      for (const n of afterAll) {
        expect(n.readAt).toMatch(ISO_UTC);
      }
      expect(afterAll[2].readAt).toBe(read.body.readAt);
    });

    it("another user's notification, a made-up id and a non-uuid are all 404 NOTIFICATION_NOT_FOUND", async () => {
      const [owner, otherClinician] = await Promise.all([newPatient(), newClinician()]);
      await book(otherClinician, {
        clinicianId: otherClinician.id,
        patientId: owner.id,
        ...slot(60),
      });
      const [theirs] = await inbox(owner);
      expect(theirs.readAt).toBeNull();

      for (const [who, id] of [
        [clinician, theirs.id],
        [otherClinician, theirs.id],
        [admin, theirs.id],
        [owner, randomUUID()],
        [owner, 'not-a-uuid'],
      ] as const) {
        const res = await t.api.post(`/api/notifications/${id}/read`, undefined, {
          token: who.token,
        });
        expect({ id, status: res.status, code: res.body?.code }).toEqual({
          id,
          status: 404,
          code: 'NOTIFICATION_NOT_FOUND',
        });
      }
      // None of that touched the owner's notification; read-all by someone else neither.
      const readAll = await t.api.post('/api/notifications/read-all', undefined, {
        token: otherClinician.token,
      });
      expect(readAll.status).toBe(200);
      await expect(inbox(owner)).resolves.toEqual([theirs]);
      await expect(unreadCount(owner)).resolves.toBe(1);
    });

    it('needs a login', async () => {
      for (const [method, path] of [
        ['GET', '/api/notifications'],
        ['GET', '/api/notifications/unread-count'],
        ['POST', '/api/notifications/read-all'],
        ['POST', `/api/notifications/${randomUUID()}/read`],
      ] as const) {
        const res = await t.api.request(method, path, undefined);
        expect({ path, status: res.status }).toEqual({ path, status: 401 });
      }
    });
  });

  describe('catching up with notifications.sync', () => {
    it('a clinician offline while the patient books, reschedules and cancels gets all three, in order', async () => {
      const [patient, clinician] = await Promise.all([newPatient('Otto Offline'), newClinician()]);
      const booked = await book(patient, { clinicianId: clinician.id, ...slot(60) });
      const moved = await reschedule(patient, booked, 60);
      await cancel(patient, booked);

      const socket = await connect(t, clinician);
      const all = await expectAck(socket.request('notifications.sync', {}));
      expect(Object.keys(all).sort()).toEqual(['id', 'items']);
      const items = all.items as NotificationView[];
      expect(items.map((n) => n.type)).toEqual([
        'appointment.created',
        'appointment.rescheduled',
        'appointment.cancelled',
      ]);
      expect(items[0].data).toEqual(about(booked, patient));
      expect(items[1].data).toEqual(
        about(moved, patient, { previous: { startsAt: booked.startsAt, endsAt: booked.endsAt } }),
      );
      expect(items[2].data).toEqual(about(moved, patient));
      // The same notifications as the inbox, which lists them the other way round.
      await expect(inbox(clinician)).resolves.toEqual([...items].reverse());

      const later = await expectAck(socket.request('notifications.sync', { after: items[0].id }));
      expect(later.items).toEqual(items.slice(1));
      const afterSecond = await expectAck(
        socket.request('notifications.sync', { after: items[1].id }),
      );
      expect(afterSecond.items).toEqual(items.slice(2));
      const none = await expectAck(socket.request('notifications.sync', { after: items[2].id }));
      expect(none.items).toEqual([]);
    });

    it("refuses someone else's notification, a made-up one or a non-uuid as `after`", async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      await book(patient, { clinicianId: clinician.id, ...slot(60) });
      const [theirs] = await inbox(clinician);

      const socket = await connect(t, patient);
      for (const after of [theirs.id, randomUUID()]) {
        const answer = await socket.request('notifications.sync', { after });
        expect(answer.event).toBe('error');
        expect(answer.data.code).toBe('NOTIFICATION_NOT_FOUND');
      }
      const invalid = await socket.request('notifications.sync', { after: 'not-a-uuid' });
      expect(invalid.event).toBe('error');
      expect(invalid.data.code).toBe('VALIDATION_FAILED');
      // The socket stays usable, and the patient's own catch-up is empty.
      await expect(expectAck(socket.request('notifications.sync', {}))).resolves.toMatchObject({
        items: [],
      });
    });
  });

  describe('atomicity', () => {
    it('a booking refused for a conflict leaves no notification', async () => {
      const clinician = await newClinician();
      const patients = await Promise.all([1, 2, 3, 4].map((i) => newPatient(`Racer ${i}`)));
      const clinicianSocket = await connect(t, clinician);
      const times = slot(60);

      const answers = await Promise.all(
        patients.map((p) =>
          t.api.post(
            '/api/appointments',
            { clinicianId: clinician.id, ...times },
            {
              token: p.token,
            },
          ),
        ),
      );
      const won = answers.filter((a) => a.status === 201);
      const lost = answers.filter((a) => a.status !== 201);
      expect(won).toHaveLength(1);
      // Patients are held to the free slots (PRODUCT §7): the taken one is not offered any more.
      expect(lost.map((a) => [a.status, a.body.code as string])).toEqual(
        Array.from({ length: 3 }, () => [409, 'SLOT_UNAVAILABLE']),
      );
      const winner = patients[answers.indexOf(won[0])];

      // And one more refused booking, made after the winner's is surely committed, by the
      // clinician (not held to the slots): the database's constraint refuses this one.
      const late = await t.api.post(
        '/api/appointments',
        { clinicianId: clinician.id, patientId: patients[answers.indexOf(lost[0])].id, ...times },
        {
          token: clinician.token,
        },
      );
      expect([late.status, late.body.code]).toEqual([409, 'APPOINTMENT_CONFLICT']);

      const items = await inbox(clinician);
      expect(items).toHaveLength(1);
      expect(items[0].type).toBe('appointment.created');
      expect(items[0].data).toEqual(about(won[0].body as Booked, winner));
      await expect(unreadCount(clinician)).resolves.toBe(1);
      await expect(
        expectAck(clinicianSocket.request('notifications.sync', {})),
      ).resolves.toMatchObject({ items });
      await clinicianSocket.next(
        isNotification('appointment.created', items[0].data.appointmentId),
      );
      await clinicianSocket.sync();
      expect(clinicianSocket.received('notification').map(idOf)).toEqual([items[0].id]);
    });

    it('a refused reschedule (stale version) leaves no notification', async () => {
      const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
      const booked = await book(patient, { clinicianId: clinician.id, ...slot(60) });
      await reschedule(patient, booked, 60);
      const stale = await t.api.patch(
        `/api/appointments/${booked.id}`,
        { ...slot(240), version: booked.version },
        { token: patient.token },
      );
      expect([stale.status, stale.body.code]).toEqual([409, 'VERSION_CONFLICT']);
      const items = await inbox(clinician);
      expect(items.map((n) => n.type)).toEqual(['appointment.rescheduled', 'appointment.created']);
    });

    describe('with a second instance on the same database', () => {
      let t2: TestApp;

      beforeAll(async () => {
        t2 = await startTestApp();
      });
      afterAll(() => t2.close());

      it('a change made through one instance reaches a socket on the other', async () => {
        const [patient, clinician] = await Promise.all([newPatient(), newClinician()]);
        const clinicianSockets = await twoSockets(clinician);
        const booked = await book(patient, { clinicianId: clinician.id, ...slot(60) }, t2);
        const view = await deliveredTo(
          clinician,
          clinicianSockets,
          'appointment.created',
          booked.id,
        );
        expect(view.data).toEqual(about(booked, patient));
      });

      it('a crash between commit and push loses nothing: the inbox and sync still have it', async () => {
        t2.app.get(NotificationPusher).onModuleDestroy();
        const [patient, clinician] = await Promise.all([
          newPatient('Cara Crash', t2),
          newClinician('Dr Lou Lost', t2),
        ]);
        const clinicianSocket = await SignalingClient.open(t2.baseUrl, { token: clinician.token });

        const booked = await book(patient, { clinicianId: clinician.id, ...slot(60) }, t2);

        // Committed, though never pushed: the instance the clinician is on no longer pushes.
        const items = await inbox(clinician, 'limit=100', t2);
        expect(items.map((n) => n.type)).toEqual(['appointment.created']);
        expect(items[0].data).toEqual(about(booked, patient));
        const synced = await expectAck(clinicianSocket.request('notifications.sync', {}));
        expect(synced.items).toEqual(items);
        await clinicianSocket.sync();
        expect(clinicianSocket.received('notification')).toEqual([]);
      });
    });
  });
});
