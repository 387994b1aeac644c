import { pushSubscriptionProblem } from './push-endpoint';
import { MAX_PUSH_PAYLOAD_BYTES, pushMessage, pushTopic } from './push-message';

const p256dh = Buffer.concat([Buffer.from([4]), Buffer.alloc(64, 1)]).toString('base64url');
const auth = Buffer.alloc(16, 2).toString('base64url');

const notification = (data: Record<string, unknown>) => ({
  id: '0f5a1e4e-1111-4222-8333-444455556666',
  type: 'appointment.rescheduled' as const,
  data,
  createdAt: '2026-01-01T10:00:00.000Z',
  readAt: null,
});

describe('a push message', () => {
  const data = {
    appointmentId: 'a1b2c3d4-0000-4000-8000-00000000abcd',
    startsAt: '2026-01-07T09:00:00.000Z',
    endsAt: '2026-01-07T09:30:00.000Z',
    reason: 'chest pain',
    specialty: 'cardiology',
    otherParty: { id: 'x', role: 'clinician', displayName: 'Dr Lee' },
  };

  it('says what happened in the recipient zone, without reason or specialty', () => {
    const message = pushMessage(notification(data), 'Europe/London', 'https://app.example');
    const body = JSON.parse(message.payload) as Record<string, unknown>;
    expect(body).toMatchObject({
      id: notification(data).id,
      type: 'appointment.rescheduled',
      body: 'Your visit with Dr Lee was moved to 7 Jan at 09:00',
      url: 'https://app.example',
    });
    expect(message.payload).not.toContain('chest pain');
    expect(message.payload).not.toContain('cardiology');
    expect(message).toMatchObject({ ttlSeconds: 86400, urgency: 'normal' });
  });

  it('has the appointment as its topic: 32 URL-safe characters', () => {
    expect(pushTopic(data)).toBe('a1b2c3d400004000800000000000abcd');
    expect(pushTopic({})).toBeUndefined();
  });

  it('stays under the 4 KB limit whatever the name', () => {
    const long = { ...data, otherParty: { displayName: 'x'.repeat(5000) } };
    const message = pushMessage(notification(long), 'UTC', 'https://app.example');
    expect(Buffer.byteLength(message.payload)).toBeLessThanOrEqual(MAX_PUSH_PAYLOAD_BYTES);
  });
});

describe('a push subscription', () => {
  it('is https, or loopback http outside production', () => {
    expect(
      pushSubscriptionProblem('https://push.example/x', { p256dh, auth }, false),
    ).toBeUndefined();
    expect(pushSubscriptionProblem('http://127.0.0.1:9/x', { p256dh, auth }, true)).toBeUndefined();
    expect(pushSubscriptionProblem('http://127.0.0.1:9/x', { p256dh, auth }, false)).toMatch(
      /https/,
    );
    expect(pushSubscriptionProblem('http://push.example/x', { p256dh, auth }, true)).toMatch(
      /https/,
    );
  });

  it('carries a P-256 key and a 16-byte secret', () => {
    expect(pushSubscriptionProblem('https://p.example/', { p256dh: auth, auth }, false)).toMatch(
      /p256dh/,
    );
    expect(pushSubscriptionProblem('https://p.example/', { p256dh, auth: p256dh }, false)).toMatch(
      /auth/,
    );
  });
});
