import { mayBeHeld, quietUntil } from './quiet-hours';

const night = { start: '22:00', end: '07:00' };

describe('quiet hours', () => {
  it('hold a moment inside overnight hours until they end in the recipient zone', () => {
    // 23:30 in Paris (winter, UTC+1) is 22:30 UTC; the hours end at 07:00 Paris = 06:00 UTC.
    expect(quietUntil(new Date('2026-01-10T22:30:00Z'), 'Europe/Paris', night)).toEqual(
      new Date('2026-01-11T06:00:00Z'),
    );
    // 05:00 in Paris, after midnight: the same night's end.
    expect(quietUntil(new Date('2026-01-11T04:00:00Z'), 'Europe/Paris', night)).toEqual(
      new Date('2026-01-11T06:00:00Z'),
    );
  });

  it('let a moment outside them through', () => {
    expect(quietUntil(new Date('2026-01-10T12:00:00Z'), 'Europe/Paris', night)).toBeUndefined();
    expect(quietUntil(new Date('2026-01-10T06:00:00Z'), 'Europe/Paris', night)).toBeUndefined();
    expect(quietUntil(new Date('2026-01-10T12:00:00Z'), 'UTC', null)).toBeUndefined();
  });

  it('handle hours within one day and a zone that moves its clocks', () => {
    const lunch = { start: '12:00', end: '14:00' };
    expect(quietUntil(new Date('2026-07-01T10:30:00Z'), 'Europe/Paris', lunch)).toEqual(
      new Date('2026-07-01T12:00:00Z'),
    );
    // The night DST starts in New York (8 March 2026): 07:00 EDT is 11:00 UTC.
    expect(quietUntil(new Date('2026-03-08T05:00:00Z'), 'America/New_York', night)).toEqual(
      new Date('2026-03-08T11:00:00Z'),
    );
  });

  it('hold the booking, reschedule and 24 h reminder, never the urgent ones', () => {
    expect(mayBeHeld('appointment.created', {})).toBe(true);
    expect(mayBeHeld('appointment.rescheduled', {})).toBe(true);
    expect(mayBeHeld('appointment.reminder', { reminder: '24h' })).toBe(true);
    expect(mayBeHeld('appointment.reminder', { reminder: '10m' })).toBe(false);
    expect(mayBeHeld('appointment.cancelled', {})).toBe(false);
    expect(mayBeHeld('session.patient_waiting', {})).toBe(false);
  });
});
