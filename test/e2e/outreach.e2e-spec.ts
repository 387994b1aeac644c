import ICAL from 'ical.js';
import type { Client } from 'pg';
import type { ParsedMail } from 'mailparser';
import { VisitSchedulerService } from '../../src/appointments/visit-scheduler.service';
import { DeliveryWorker } from '../../src/outreach/delivery-worker';
import { loginAdmin, makePatient, makeStaff, slot, TestUser } from '../support/factories';
import { MailServer } from '../support/mail-server';
import { connectTestDatabase } from '../support/pg';
import { PushService, TestSubscription } from '../support/push-service';
import { SignalingClient } from '../support/signaling-client';
import { startTestApp, TestApp } from '../support/test-app';
import { connect } from '../support/visits';

const REASON = 'Recurring chest pain';
const PUBLIC_URL = 'https://televisit.example';

interface Delivery {
  channel: string;
  status: string;
  at: string;
}

/**
 * Reaching people who are not connected, against real peers on loopback: a push service that
 * checks VAPID and decrypts, and an SMTP server whose mail is parsed (and its invitation read
 * with ical.js). The delivery worker runs when the test says (runOnce).
 */
describe('outreach: Web Push and email (e2e)', () => {
  let t: TestApp;
  let push: PushService;
  let mail: MailServer;
  let worker: DeliveryWorker;
  let admin: TestUser;
  let db: Client;

  beforeAll(async () => {
    [push, mail] = await Promise.all([PushService.start(), MailServer.start()]);
    t = await startTestApp({
      SMTP_URL: mail.url,
      MAIL_FROM: 'Televisit <visits@televisit.example>',
      PUBLIC_URL,
      EMAIL_AFTER_SECONDS: '1',
      DELIVERY_RETRY_BASE_MS: '50',
    });
    worker = t.app.get(DeliveryWorker);
    admin = await loginAdmin(t);
    db = await connectTestDatabase();
  });

  afterEach(() => SignalingClient.closeAll());

  afterAll(async () => {
    await t?.close();
    await Promise.all([push?.close(), mail?.close(), db?.end()]);
  });

  const as = (user: TestUser) => ({ token: user.token });

  async function subscribe(user: TestUser): Promise<TestSubscription & { id: string }> {
    const subscription = push.subscribe();
    const res = await t.api.post(
      '/api/me/push-subscriptions',
      { endpoint: subscription.endpoint, keys: subscription.keys },
      as(user),
    );
    expect(res.status).toBe(201);
    return { ...subscription, id: res.body.id as string };
  }

  async function book(patient: TestUser, clinician: TestUser, startInMinutes = 120) {
    const res = await t.api.post(
      '/api/appointments',
      { clinicianId: clinician.id, ...slot(startInMinutes), reason: REASON },
      as(patient),
    );
    expect(res.status).toBe(201);
    return res.body as { id: string; startsAt: string; version: number };
  }

  async function inbox(user: TestUser) {
    const res = await t.api.get('/api/notifications?limit=100', as(user));
    expect(res.status).toBe(200);
    return res.body.items as { id: string; type: string; data: any; deliveries: Delivery[] }[];
  }

  const channels = (deliveries: Delivery[]) =>
    deliveries.map(({ channel, status }) => ({ channel, status }));
  /**
   * The push deliveries alone: the email falls due EMAIL_AFTER_SECONDS (1 s here) after the
   * notification, so on a slow box a push test's worker pass may send it too.
   */
  const pushes = (deliveries: Delivery[]) =>
    channels(deliveries.filter((delivery) => delivery.channel === 'push'));

  /** Runs the worker until the email delay has passed for what was written just now. */
  async function afterEmailDelay(): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, 1100));
    await worker.runOnce();
  }

  describe('subscriptions and preferences', () => {
    it('gives the VAPID key publicly and keeps subscriptions per device', async () => {
      const key = await t.api.get('/api/push/public-key');
      expect(key.status).toBe(200);
      expect(Buffer.from(key.body.publicKey as string, 'base64url')).toHaveLength(65);

      const patient = await makePatient(t.api);
      const sub = await subscribe(patient);
      const bad = [
        { endpoint: 'http://push.example/x', keys: sub.keys },
        { endpoint: sub.endpoint, keys: { ...sub.keys, p256dh: sub.keys.auth } },
        { endpoint: sub.endpoint, keys: { ...sub.keys, auth: 'AAAA' } },
      ];
      for (const body of bad) {
        const res = await t.api.post('/api/me/push-subscriptions', body, as(patient));
        expect(res.status).toBe(400);
        expect(res.body.code).toBe('INVALID_PUSH_SUBSCRIPTION');
      }
      const malformed = await t.api.post(
        '/api/me/push-subscriptions',
        { endpoint: 3 },
        as(patient),
      );
      expect(malformed.body.code).toBe('VALIDATION_FAILED');

      const other = await makePatient(t.api);
      const path = `/api/me/push-subscriptions/${sub.id}`;
      await expect(t.api.request('DELETE', path, undefined, as(other))).resolves.toMatchObject({
        status: 404,
        body: { code: 'PUSH_SUBSCRIPTION_NOT_FOUND' },
      });
      await expect(t.api.request('DELETE', path, undefined, as(patient))).resolves.toMatchObject({
        status: 204,
      });
      await expect(t.api.request('DELETE', path, undefined, as(patient))).resolves.toMatchObject({
        status: 404,
      });
    });

    it('keeps preferences: defaults, a full replacement, and clear refusals', async () => {
      const patient = await makePatient(t.api);
      const path = '/api/me/notification-preferences';
      await expect(t.api.get(path, as(patient))).resolves.toMatchObject({
        status: 200,
        body: { timeZone: 'UTC', quietHours: null, email: true, push: true },
      });
      const chosen = {
        timeZone: 'Europe/Paris',
        quietHours: { start: '22:00', end: '07:30' },
        email: false,
        push: true,
      };
      await expect(t.api.request('PUT', path, chosen, as(patient))).resolves.toMatchObject({
        status: 200,
        body: chosen,
      });
      await expect(t.api.get(path, as(patient))).resolves.toMatchObject({ body: chosen });
      const refusals: [unknown, string][] = [
        [{ ...chosen, timeZone: 'Mars/Olympus' }, 'INVALID_TIME_ZONE'],
        [{ ...chosen, quietHours: { start: '25:00', end: '07:00' } }, 'VALIDATION_FAILED'],
        [{ ...chosen, email: 'yes' }, 'VALIDATION_FAILED'],
        [{ timeZone: 'UTC' }, 'VALIDATION_FAILED'],
      ];
      for (const [body, code] of refusals) {
        const res = await t.api.request<{ code: string }>('PUT', path, body, as(patient));
        expect({ status: res.status, code: res.body.code }).toEqual({ status: 400, code });
      }
      await expect(t.api.get(path, as(patient))).resolves.toMatchObject({ body: chosen });
    });
  });

  describe('Web Push', () => {
    it('pushes to a recipient with no socket open: VAPID checked, payload decrypted, no reason', async () => {
      const [patient, clinician] = await Promise.all([
        makePatient(t.api, 'Paula Push'),
        makeStaff(t.api, admin.token),
      ]);
      const sub = await subscribe(clinician);
      const booked = await book(patient, clinician);
      await worker.runOnce();

      const [received] = push.for(sub);
      expect(push.for(sub)).toHaveLength(1);
      const key = await t.api.get('/api/push/public-key');
      expect(received.vapidPublicKey).toBe(key.body.publicKey);
      expect(received.claims.aud).toBe(push.origin);
      expect(received.claims.sub).toMatch(/^mailto:/);
      const [notification] = await inbox(clinician);
      expect(received.payload).toMatchObject({
        id: notification.id,
        type: 'appointment.created',
        url: PUBLIC_URL,
        data: { appointmentId: booked.id, otherParty: { displayName: 'Paula Push' } },
      });
      expect(JSON.stringify(received.payload)).not.toContain(REASON);
      expect(received.payload.data).not.toHaveProperty('reason');
      expect(received.bytes).toBeLessThan(4096);
      expect(received).toMatchObject({
        ttl: '86400',
        urgency: 'normal',
        topic: booked.id.replace(/-/g, ''),
      });
      expect(pushes(notification.deliveries)).toEqual([{ channel: 'push', status: 'sent' }]);

      // The patient was not told (they booked it): nothing for them, even with a worker pass.
      await worker.runOnce();
      expect(push.for(sub)).toHaveLength(1);
    });

    it('does not push while the recipient has a socket open anywhere: it went live', async () => {
      const [patient, clinician] = await Promise.all([
        makePatient(t.api),
        makeStaff(t.api, admin.token),
      ]);
      const sub = await subscribe(clinician);
      const socket = await connect(t, clinician);
      await book(patient, clinician);
      await socket.next('notification');
      await worker.runOnce();
      expect(push.for(sub)).toEqual([]);
      const [notification] = await inbox(clinician);
      expect(channels(notification.deliveries)).toEqual(
        expect.arrayContaining([
          { channel: 'socket', status: 'sent' },
          { channel: 'push', status: 'skipped' },
        ]),
      );
    });

    it('lets a subscription answered 410 go, and retries one answered 503', async () => {
      const [patient, clinician] = await Promise.all([
        makePatient(t.api),
        makeStaff(t.api, admin.token),
      ]);
      const gone = await subscribe(clinician);
      const busy = await subscribe(clinician);
      push.answer(gone, [410]);
      push.answer(busy, [503, 201]);
      await book(patient, clinician);
      await worker.runOnce();
      expect(push.for(gone).map((p) => p.status)).toEqual([410]);
      expect(push.for(busy).map((p) => p.status)).toEqual([503]);
      const rows = await db.query('SELECT id FROM push_subscriptions WHERE id = ANY($1)', [
        [gone.id, busy.id],
      ]);
      expect(rows.rows.map((r: { id: string }) => r.id)).toEqual([busy.id]);
      expect(pushes((await inbox(clinician))[0].deliveries)).toEqual([]);

      // The retry is due after the backoff (50 ms here); it goes to the one left.
      await new Promise((resolve) => setTimeout(resolve, 200));
      await worker.runOnce();
      expect(push.for(busy).map((p) => p.status)).toEqual([503, 201]);
      expect(push.for(gone)).toHaveLength(1);
      const [notification] = await inbox(clinician);
      expect(pushes(notification.deliveries)).toEqual([{ channel: 'push', status: 'sent' }]);
    });

    it('holds a 24 h reminder through quiet hours and lets a 10 min one through', async () => {
      const [patient, clinician] = await Promise.all([
        makePatient(t.api),
        makeStaff(t.api, admin.token),
      ]);
      const sub = await subscribe(patient);
      // Quiet from an hour ago to an hour from now, in Tokyo.
      const tokyo = (offsetHours: number) =>
        new Date(Date.now() + (9 + offsetHours) * 3600_000).toISOString().slice(11, 16);
      const quiet = { start: tokyo(-1), end: tokyo(1) };
      const prefs = await t.api.request(
        'PUT',
        '/api/me/notification-preferences',
        { timeZone: 'Asia/Tokyo', quietHours: quiet, email: false, push: true },
        as(patient),
      );
      expect(prefs.status).toBe(200);
      const scheduler = t.app.get(VisitSchedulerService);

      const tomorrow = await book(patient, clinician, 25 * 60);
      const soon = await book(patient, clinician, 20);
      await scheduler.runOnce(new Date(Date.parse(soon.startsAt) - 10 * 60_000 + 1000));
      await scheduler.runOnce(new Date(Date.parse(tomorrow.startsAt) - 24 * 3600_000 + 1000));
      await worker.runOnce();

      const reminders = (await inbox(patient)).filter((n) => n.type === 'appointment.reminder');
      const kinds = push.for(sub).map((p) => p.payload.data.reminder as string);
      expect(kinds).toEqual(['10m']);
      expect(push.for(sub)[0]).toMatchObject({ urgency: 'high', ttl: '600' });
      const held = reminders.find((n) => n.data.reminder === '24h')!;
      expect(channels(held.deliveries)).toEqual([{ channel: 'push', status: 'held' }]);
      // Held until the quiet hours end (within the next hour).
      const until = Date.parse(held.deliveries[0].at);
      expect(until).toBeGreaterThan(Date.now());
      expect(until).toBeLessThanOrEqual(Date.now() + 3600_000);
      await worker.runOnce();
      expect(push.for(sub)).toHaveLength(1);
    });
  });

  describe('email', () => {
    const ics = (message: ParsedMail) => {
      const part = message.attachments.find((a) => a.contentType.startsWith('text/calendar'));
      const text = part ? part.content.toString('utf8') : '';
      const calendar = new ICAL.Component(ICAL.parse(text));
      const event = calendar.getFirstSubcomponent('vevent')!;
      return {
        method: calendar.getFirstPropertyValue('method'),
        uid: event.getFirstPropertyValue('uid'),
        sequence: event.getFirstPropertyValue('sequence'),
        status: event.getFirstPropertyValue('status'),
        start: (event.getFirstPropertyValue('dtstart') as ICAL.Time).toJSDate().toISOString(),
        text,
      };
    };

    it('emails what is still unread, with an invitation that moves and then disappears', async () => {
      const [patient, clinician] = await Promise.all([
        makePatient(t.api, 'Erin Email'),
        makeStaff(t.api, admin.token, 'clinician', 'Dr Mail'),
      ]);
      const booked = await t.api.post(
        '/api/appointments',
        { clinicianId: clinician.id, patientId: patient.id, ...slot(180), reason: REASON },
        as(clinician),
      );
      expect(booked.status).toBe(201);
      const id = booked.body.id as string;
      await worker.runOnce();
      expect(mail.to(patient.email)).toEqual([]); // not yet: unread for EMAIL_AFTER_SECONDS first
      await afterEmailDelay();

      const [created] = mail.to(patient.email);
      expect(created.from?.value).toEqual([
        { name: 'Televisit', address: 'visits@televisit.example' },
      ]);
      expect(created.subject).toBe('Visit booked');
      expect(created.text).toContain(`${PUBLIC_URL}`);
      expect(created.text).toContain('Dr Mail');
      expect(created.html).toContain(`href="${PUBLIC_URL}"`);
      for (const part of [created.text, created.html, ics(created).text]) {
        expect(part).not.toContain(REASON);
      }
      const first = ics(created);
      expect(first).toMatchObject({ method: 'REQUEST', uid: `${id}@televisit`, sequence: 0 });

      const moved = await t.api.patch(
        `/api/appointments/${id}`,
        { ...slot(240), version: booked.body.version },
        as(clinician),
      );
      expect(moved.status).toBe(200);
      await afterEmailDelay();
      const second = ics(mail.to(patient.email)[1]);
      expect(second).toMatchObject({ method: 'REQUEST', uid: first.uid, sequence: 1 });
      expect(second.start).toBe(moved.body.startsAt);

      const cancelled = await t.api.post(`/api/appointments/${id}/cancel`, {}, as(clinician));
      expect(cancelled.status).toBe(200);
      await afterEmailDelay();
      const third = ics(mail.to(patient.email)[2]);
      expect(third).toMatchObject({
        method: 'CANCEL',
        uid: first.uid,
        sequence: 2,
        status: 'CANCELLED',
      });
      const [latest] = await inbox(patient);
      expect(channels(latest.deliveries)).toContainEqual({ channel: 'email', status: 'sent' });
    });

    it('reading the notification before the email is due cancels the email', async () => {
      const [patient, clinician] = await Promise.all([
        makePatient(t.api),
        makeStaff(t.api, admin.token),
      ]);
      await book(patient, clinician);
      const [notification] = await inbox(clinician);
      const read = await t.api.post(
        `/api/notifications/${notification.id}/read`,
        {},
        as(clinician),
      );
      expect(read.status).toBe(200);
      await afterEmailDelay();
      expect(mail.to(clinician.email)).toEqual([]);
      const [after] = await inbox(clinician);
      expect(channels(after.deliveries)).toContainEqual({ channel: 'email', status: 'skipped' });
    });

    it('retries an SMTP 451, records a 550 as failed, and shows admins the failure', async () => {
      const [patient, clinician] = await Promise.all([
        makePatient(t.api),
        makeStaff(t.api, admin.token),
      ]);
      mail.refuse(clinician.email, [451]);
      await book(patient, clinician);
      await afterEmailDelay();
      expect(mail.to(clinician.email)).toEqual([]);
      await new Promise((resolve) => setTimeout(resolve, 200));
      await worker.runOnce();
      expect(mail.to(clinician.email)).toHaveLength(1);

      const [other, refused] = await Promise.all([
        makePatient(t.api),
        makeStaff(t.api, admin.token),
      ]);
      mail.refuse(refused.email, [550]);
      await book(other, refused);
      await afterEmailDelay();
      const [notification] = await inbox(refused);
      expect(channels(notification.deliveries)).toContainEqual({
        channel: 'email',
        status: 'failed',
      });
      const failures = await t.api.get('/api/delivery-failures?limit=100', as(admin));
      expect(failures.status).toBe(200);
      expect(failures.body.items).toContainEqual(
        expect.objectContaining({
          notificationId: notification.id,
          channel: 'email',
          email: refused.email,
          error: 'SMTP_550',
        }),
      );
      const forbidden = await t.api.get('/api/delivery-failures', as(patient));
      expect(forbidden.status).toBe(403);
    });
  });
});
