import { AppError } from '../common/app-error';
import { assertBookableSlot } from './booking-rules';

const NOW = new Date('2026-03-01T09:00:00.000Z');
const MINUTE = 60_000;

function at(msFromNow: number): Date {
  return new Date(NOW.getTime() + msFromNow);
}

/** The AppError code assertBookableSlot throws, or undefined when the slot is bookable. */
function codeFor(startsAt: Date, endsAt: Date): string | undefined {
  try {
    assertBookableSlot(startsAt, endsAt, NOW);
    return undefined;
  } catch (error) {
    if (error instanceof AppError) {
      return error.code;
    }
    throw error;
  }
}

describe('assertBookableSlot', () => {
  it('refuses a start in the past with APPOINTMENT_IN_PAST', () => {
    expect(codeFor(at(-MINUTE), at(29 * MINUTE))).toBe('APPOINTMENT_IN_PAST');
  });

  it('refuses a start exactly now with APPOINTMENT_IN_PAST', () => {
    expect(codeFor(at(0), at(30 * MINUTE))).toBe('APPOINTMENT_IN_PAST');
  });

  it('accepts a start one millisecond from now', () => {
    expect(codeFor(at(1), at(1 + 30 * MINUTE))).toBeUndefined();
  });

  it('refuses an end before the start with INVALID_TIME_RANGE', () => {
    expect(codeFor(at(60 * MINUTE), at(30 * MINUTE))).toBe('INVALID_TIME_RANGE');
  });

  it('refuses an end equal to the start with INVALID_TIME_RANGE', () => {
    expect(codeFor(at(60 * MINUTE), at(60 * MINUTE))).toBe('INVALID_TIME_RANGE');
  });

  it('refuses 4 min 59 s with INVALID_TIME_RANGE', () => {
    const start = at(60 * MINUTE);
    expect(codeFor(start, new Date(start.getTime() + 4 * MINUTE + 59_000))).toBe(
      'INVALID_TIME_RANGE',
    );
  });

  it('accepts exactly 5 minutes', () => {
    const start = at(60 * MINUTE);
    expect(codeFor(start, new Date(start.getTime() + 5 * MINUTE))).toBeUndefined();
  });

  it('accepts exactly 4 hours', () => {
    const start = at(60 * MINUTE);
    expect(codeFor(start, new Date(start.getTime() + 240 * MINUTE))).toBeUndefined();
  });

  it('refuses 4 hours and 1 minute with INVALID_TIME_RANGE', () => {
    const start = at(60 * MINUTE);
    expect(codeFor(start, new Date(start.getTime() + 241 * MINUTE))).toBe('INVALID_TIME_RANGE');
  });

  it('reports a past start before a bad range', () => {
    expect(codeFor(at(-60 * MINUTE), at(-90 * MINUTE))).toBe('APPOINTMENT_IN_PAST');
  });

  it('throws an AppError of kind invalid', () => {
    expect(() => assertBookableSlot(at(-MINUTE), at(MINUTE), NOW)).toThrow(AppError);
    expect(() => assertBookableSlot(at(-MINUTE), at(MINUTE), NOW)).toThrow(
      expect.objectContaining({ kind: 'invalid' }),
    );
  });
});
