import { APPOINTMENT_STATUSES, AppointmentStatus, canTransition } from './appointment-status';

const ALLOWED: ReadonlySet<string> = new Set([
  'scheduled->in_progress',
  'scheduled->cancelled',
  'scheduled->no_show',
  'in_progress->completed',
]);

const ALL_PAIRS: [AppointmentStatus, AppointmentStatus][] = APPOINTMENT_STATUSES.flatMap((from) =>
  APPOINTMENT_STATUSES.map((to): [AppointmentStatus, AppointmentStatus] => [from, to]),
);

describe('canTransition', () => {
  it('knows exactly the five contract statuses', () => {
    expect([...APPOINTMENT_STATUSES].sort()).toEqual(
      ['cancelled', 'completed', 'in_progress', 'no_show', 'scheduled'].sort(),
    );
    expect(ALL_PAIRS).toHaveLength(25);
  });

  it.each(ALL_PAIRS.filter(([from, to]) => ALLOWED.has(`${from}->${to}`)))(
    'allows %s -> %s',
    (from, to) => {
      expect(canTransition(from, to)).toBe(true);
    },
  );

  it.each(ALL_PAIRS.filter(([from, to]) => !ALLOWED.has(`${from}->${to}`)))(
    'refuses %s -> %s',
    (from, to) => {
      expect(canTransition(from, to)).toBe(false);
    },
  );

  it('allows exactly four transitions in all', () => {
    const allowed = ALL_PAIRS.filter(([from, to]) => canTransition(from, to)).map(
      ([from, to]) => `${from}->${to}`,
    );
    expect(allowed.sort()).toEqual([...ALLOWED].sort());
  });
});
