import { APPOINTMENT_STATUSES } from '../appointments/appointment-status';
import {
  guestAccessUntil,
  inviteExpiry,
  inviteStatus,
  mayManageInvites,
  redeemRefusal,
  redeemRetryAfterSeconds,
  visitTakesGuests,
} from './invite-rules';
import { hashInviteToken, newInviteToken } from './invite-tokens';

const NOW = new Date('2030-01-07T09:00:00.000Z');
const minutes = (n: number) => new Date(NOW.getTime() + n * 60_000);

describe('inviteStatus', () => {
  const pending = { expiresAt: minutes(10), redeemedAt: null, revokedAt: null };

  it('is pending until it expires, then expired', () => {
    expect(inviteStatus(pending, NOW)).toBe('pending');
    expect(inviteStatus(pending, minutes(10))).toBe('expired');
    expect(inviteStatus(pending, minutes(11))).toBe('expired');
  });

  it('stays redeemed after its expiry (it was used in time)', () => {
    expect(inviteStatus({ ...pending, redeemedAt: NOW }, minutes(60))).toBe('redeemed');
  });

  it('is revoked whatever else happened', () => {
    const revoked = { ...pending, revokedAt: NOW };
    expect(inviteStatus(revoked, NOW)).toBe('revoked');
    expect(inviteStatus({ ...revoked, redeemedAt: NOW }, minutes(60))).toBe('revoked');
  });
});

describe('inviteExpiry', () => {
  it('is the minutes asked for, from now', () => {
    expect(inviteExpiry(NOW, 60, minutes(120))).toEqual(minutes(60));
  });

  it('never outlasts the visit’s end', () => {
    expect(inviteExpiry(NOW, 60, minutes(30))).toEqual(minutes(30));
  });

  it('is nothing once the visit’s end has passed', () => {
    expect(inviteExpiry(NOW, 60, NOW)).toBeUndefined();
    expect(inviteExpiry(NOW, 60, minutes(-5))).toBeUndefined();
  });
});

describe('visitTakesGuests', () => {
  it('only a scheduled or running visit', () => {
    expect(APPOINTMENT_STATUSES.filter(visitTakesGuests)).toEqual(['scheduled', 'in_progress']);
  });
});

describe('guestAccessUntil', () => {
  it('is an hour past the booked end', () => {
    expect(guestAccessUntil(minutes(30))).toEqual(minutes(90));
  });
});

describe('mayManageInvites', () => {
  const visit = { clinicianId: 'c' };
  it('the visit’s clinician and admins; not another clinician or the patient', () => {
    expect(mayManageInvites({ userId: 'c', role: 'clinician' }, visit)).toBe(true);
    expect(mayManageInvites({ userId: 'a', role: 'admin' }, visit)).toBe(true);
    expect(mayManageInvites({ userId: 'x', role: 'clinician' }, visit)).toBe(false);
    expect(mayManageInvites({ userId: 'p', role: 'patient' }, visit)).toBe(false);
  });
});

describe('redeemRefusal', () => {
  const redeemable = {
    userId: null,
    expiresAt: minutes(10),
    redeemedAt: null,
    revokedAt: null,
    visitStatus: 'scheduled' as const,
    visitEndsAt: minutes(30),
  };

  it('lets a fresh invite to an open visit through', () => {
    expect(redeemRefusal(redeemable, NOW)).toBeUndefined();
    expect(redeemRefusal({ ...redeemable, visitStatus: 'in_progress' }, NOW)).toBeUndefined();
  });

  it('names why not, for the audit log', () => {
    expect(redeemRefusal({ ...redeemable, userId: 'u' }, NOW)).toBe('for_account');
    expect(redeemRefusal({ ...redeemable, revokedAt: NOW }, NOW)).toBe('revoked');
    expect(redeemRefusal({ ...redeemable, redeemedAt: NOW }, NOW)).toBe('used');
    expect(redeemRefusal(redeemable, minutes(10))).toBe('expired');
    for (const visitStatus of ['completed', 'cancelled', 'no_show'] as const) {
      expect(redeemRefusal({ ...redeemable, visitStatus }, NOW)).toBe('visit_closed');
    }
    const overrun = { ...redeemable, expiresAt: minutes(200), visitStatus: 'in_progress' as const };
    expect(redeemRefusal(overrun, minutes(90))).toBe('visit_over');
  });
});

describe('redeemRetryAfterSeconds', () => {
  const limits = { windowSeconds: 600, maxFailuresPerAddress: 3 };

  it('lets an address through below its limit', () => {
    expect(redeemRetryAfterSeconds({ count: 2, oldestAt: minutes(-1) }, limits, NOW)).toBe(0);
  });

  it('holds it back until its oldest failure leaves the window', () => {
    expect(redeemRetryAfterSeconds({ count: 3, oldestAt: minutes(-4) }, limits, NOW)).toBe(360);
    expect(redeemRetryAfterSeconds({ count: 3, oldestAt: minutes(-10) }, limits, NOW)).toBe(1);
  });
});

describe('invite tokens', () => {
  it('are 32 random bytes in base64url, stored as their SHA-256', () => {
    const { token, hash } = newInviteToken();
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
    expect(hashInviteToken(token)).toBe(hash);
    expect(newInviteToken().token).not.toBe(token);
  });
});
