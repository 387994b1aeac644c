import { DateTime } from 'luxon';
import { scheduleProblems } from './schedule-problems';
import { findSlots, isOffered, Range, ScheduleRules, WEEKDAYS, WeeklyInterval } from './slot-grid';

const MINUTE = 60_000;
const at = (iso: string) => Date.parse(iso);

function rules(overrides: Partial<ScheduleRules> = {}): ScheduleRules {
  return {
    timeZone: 'UTC',
    weekly: everyDay('09:00', '17:00'),
    overrides: [],
    slotMinutes: 60,
    bufferBeforeMinutes: 0,
    bufferAfterMinutes: 0,
    minimumNoticeMinutes: 0,
    bookingHorizonDays: 730,
    ...overrides,
  };
}

function everyDay(start: string, end: string): WeeklyInterval[] {
  return WEEKDAYS.map((day) => ({ day, start, end }));
}

/** The slots of `[fromIso, toIso)` as local `yyyy-MM-dd HH:mm` in the schedule's zone. */
function localSlots(
  schedule: ScheduleRules,
  fromIso: string,
  toIso: string,
  options: { duration?: number; now?: string; busy?: Range[] } = {},
): string[] {
  return findSlots(schedule, {
    from: at(fromIso),
    to: at(toIso),
    durationMinutes: options.duration ?? schedule.slotMinutes,
    now: at(options.now ?? '2026-01-01T00:00:00Z'),
    busy: options.busy ?? [],
  }).map((s) =>
    DateTime.fromMillis(s.start, { zone: schedule.timeZone }).toFormat('yyyy-MM-dd HH:mm'),
  );
}

const utc = (schedule: ScheduleRules, fromIso: string, toIso: string, duration?: number) =>
  findSlots(schedule, {
    from: at(fromIso),
    to: at(toIso),
    durationMinutes: duration ?? schedule.slotMinutes,
    now: at('2026-01-01T00:00:00Z'),
    busy: [],
  }).map((s) => new Date(s.start).toISOString());

/** The first slot of each local date, for a 09:00–17:00 week around a change. */
function firstOfEachDay(timeZone: string, fromIso: string, toIso: string): string[] {
  const first = new Map<string, string>();
  for (const slot of localSlots(rules({ timeZone }), fromIso, toIso)) {
    const [date, time] = slot.split(' ');
    if (!first.has(date)) {
      first.set(date, time);
    }
  }
  // The window's first local date may begin after 09:00 there.
  return [...new Set([...first.values()].slice(1))];
}

describe('findSlots across daylight-saving changes (golden)', () => {
  it.each([
    ['Europe/Berlin', 'spring', '2026-03-25T00:00:00Z', '2026-04-02T00:00:00Z'],
    ['Europe/Berlin', 'autumn', '2026-10-21T00:00:00Z', '2026-10-29T00:00:00Z'],
    ['America/New_York', 'spring', '2026-03-05T00:00:00Z', '2026-03-12T00:00:00Z'],
    ['America/New_York', 'autumn', '2026-10-29T00:00:00Z', '2026-11-05T00:00:00Z'],
    ['Australia/Sydney', 'autumn (April)', '2026-04-01T00:00:00Z', '2026-04-09T00:00:00Z'],
    ['Australia/Sydney', 'spring (October)', '2026-09-30T00:00:00Z', '2026-10-08T00:00:00Z'],
    ['Australia/Adelaide', 'spring (October)', '2026-09-30T00:00:00Z', '2026-10-08T00:00:00Z'],
    ['Asia/Kolkata', 'any', '2026-03-25T00:00:00Z', '2026-04-02T00:00:00Z'],
  ])('%s, the week of the %s change: 09:00 local every day', (zone, _change, from, to) => {
    expect(firstOfEachDay(zone, from, to)).toEqual(['09:00']);
    const perDay = localSlots(rules({ timeZone: zone }), from, to).filter((s) =>
      s.endsWith('16:00'),
    );
    expect(perDay.length).toBeGreaterThanOrEqual(7);
  });

  it('puts 09:00 at the right instant on both sides of the change', () => {
    const berlin = rules({ timeZone: 'Europe/Berlin' });
    expect(utc(berlin, '2026-03-28T00:00:00Z', '2026-03-28T09:00:00Z')).toEqual([
      '2026-03-28T08:00:00.000Z',
    ]);
    expect(utc(berlin, '2026-03-30T00:00:00Z', '2026-03-30T08:00:00Z')).toEqual([
      '2026-03-30T07:00:00.000Z',
    ]);
    const sydney = rules({ timeZone: 'Australia/Sydney' });
    expect(utc(sydney, '2026-04-03T20:00:00Z', '2026-04-03T23:00:00Z')).toEqual([
      '2026-04-03T22:00:00.000Z',
    ]);
    expect(utc(sydney, '2026-04-05T20:00:00Z', '2026-04-06T00:00:00Z')).toEqual([
      '2026-04-05T23:00:00.000Z',
    ]);
    const kolkata = rules({ timeZone: 'Asia/Kolkata' });
    expect(utc(kolkata, '2026-03-30T00:00:00Z', '2026-03-30T05:00:00Z')).toEqual([
      '2026-03-30T03:30:00.000Z',
    ]);
  });

  it.each([
    ['Europe/Berlin', 'sun', '2026-03-29', ['00:30', '01:00']],
    ['America/New_York', 'sun', '2026-03-08', ['06:30', '07:00']],
    ['Australia/Sydney', 'sun', '2026-10-04', ['15:30', '16:00']],
  ])(
    '%s spring-forward night: 01:30–03:30 offers nothing in the missing hour',
    (zone, day, date, utcTimes) => {
      const night = rules({
        timeZone: zone,
        weekly: [{ day: day as WeeklyInterval['day'], start: '01:30', end: '03:30' }],
        slotMinutes: 30,
      });
      const local = DateTime.fromISO(date, { zone });
      const slots = localSlots(
        night,
        local.toUTC().toISO()!,
        local.plus({ days: 1 }).toUTC().toISO()!,
      );
      expect(slots).toEqual([`${date} 01:30`, `${date} 03:00`]);
      const instants = utc(night, local.toUTC().toISO()!, local.plus({ days: 1 }).toUTC().toISO()!);
      expect(instants.map((i) => i.slice(11, 16))).toEqual(utcTimes);
    },
  );

  it.each([
    ['Europe/Berlin', 'sun', '2026-10-25'],
    ['America/New_York', 'sun', '2026-11-01'],
    ['Australia/Sydney', 'sun', '2026-04-05'],
  ])('%s fall-back night: 01:30–03:30 does not double the repeated hour', (zone, day, date) => {
    const night = rules({
      timeZone: zone,
      weekly: [{ day: day as WeeklyInterval['day'], start: '01:30', end: '03:30' }],
      slotMinutes: 30,
    });
    const local = DateTime.fromISO(date, { zone });
    const slots = localSlots(
      night,
      local.toUTC().toISO()!,
      local.plus({ days: 1 }).toUTC().toISO()!,
    );
    expect(slots).toEqual([`${date} 01:30`, `${date} 02:00`, `${date} 02:30`, `${date} 03:00`]);
  });

  it('an interval 22:00–02:00 crosses midnight into the next date', () => {
    const late = rules({
      timeZone: 'Europe/Berlin',
      weekly: [{ day: 'fri', start: '22:00', end: '02:00' }],
    });
    expect(localSlots(late, '2026-06-01T00:00:00Z', '2026-06-10T00:00:00Z')).toEqual([
      '2026-06-05 22:00',
      '2026-06-05 23:00',
      '2026-06-06 00:00',
      '2026-06-06 01:00',
    ]);
  });

  it('an interval crossing midnight on the spring-forward night is one hour shorter', () => {
    const late = rules({
      timeZone: 'Europe/Berlin',
      weekly: [{ day: 'sat', start: '23:00', end: '04:00' }],
    });
    expect(localSlots(late, '2026-03-28T00:00:00Z', '2026-03-30T00:00:00Z')).toEqual([
      '2026-03-28 23:00',
      '2026-03-29 00:00',
      '2026-03-29 01:00',
      '2026-03-29 03:00',
    ]);
  });
});

describe('findSlots: overrides, grid, buffers, notice and horizon', () => {
  const auckland = rules({
    timeZone: 'Pacific/Auckland',
    overrides: [
      { date: '2026-06-15', intervals: [] },
      { date: '2026-06-16', intervals: [{ start: '13:00', end: '14:00' }] },
    ],
  });

  it('a day off removes the slots of that local date only, whatever day it is in UTC', () => {
    const dates = localSlots(auckland, '2026-06-13T12:00:00Z', '2026-06-17T12:00:00Z').map((s) =>
      s.slice(0, 10),
    );
    expect(new Set(dates)).toEqual(new Set(['2026-06-14', '2026-06-16', '2026-06-17']));
  });

  it('other hours replace the weekly ones for that date', () => {
    const slots = localSlots(auckland, '2026-06-15T12:00:00Z', '2026-06-16T12:00:00Z');
    expect(slots).toEqual(['2026-06-16 13:00']);
  });

  it('aligns the grid to each interval start, and lets a longer visit start on it', () => {
    const grid = rules({
      weekly: [{ day: 'mon', start: '09:15', end: '11:00' }],
      slotMinutes: 30,
    });
    expect(localSlots(grid, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z')).toEqual([
      '2026-06-01 09:15',
      '2026-06-01 09:45',
      '2026-06-01 10:15',
    ]);
    expect(
      localSlots(grid, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z', { duration: 60 }),
    ).toEqual(['2026-06-01 09:15', '2026-06-01 09:45']);
  });

  it('lets a visit run across touching intervals', () => {
    const split = rules({
      weekly: [
        { day: 'mon', start: '09:00', end: '12:00' },
        { day: 'mon', start: '12:00', end: '13:00' },
      ],
      slotMinutes: 30,
    });
    const slots = localSlots(split, '2026-06-01T00:00:00Z', '2026-06-02T00:00:00Z', {
      duration: 60,
    });
    expect(slots).toContain('2026-06-01 11:30');
    expect(slots[slots.length - 1]).toBe('2026-06-01 12:00');
  });

  it('keeps a slot whose buffers would meet a busy time out', () => {
    const buffered = rules({ slotMinutes: 30, bufferBeforeMinutes: 15, bufferAfterMinutes: 10 });
    // A visit 11:00–11:30 booked with these buffers occupies 10:45–11:40.
    const busy = [{ start: at('2026-06-01T10:45:00Z'), end: at('2026-06-01T11:40:00Z') }];
    const slots = localSlots(buffered, '2026-06-01T09:00:00Z', '2026-06-01T13:00:00Z', { busy });
    expect(slots).toEqual([
      '2026-06-01 09:00',
      '2026-06-01 09:30',
      '2026-06-01 10:00',
      '2026-06-01 12:00',
      '2026-06-01 12:30',
    ]);
  });

  it('offers nothing before the minimum notice or after the horizon', () => {
    const near = rules({ minimumNoticeMinutes: 120, bookingHorizonDays: 1 });
    const slots = localSlots(near, '2026-06-01T00:00:00Z', '2026-06-04T00:00:00Z', {
      now: '2026-06-01T10:30:00Z',
    });
    expect(slots[0]).toBe('2026-06-01 13:00');
    expect(slots[slots.length - 1]).toBe('2026-06-02 10:00');
  });

  it('has no slots without hours', () => {
    expect(
      localSlots(rules({ weekly: [] }), '2026-06-01T00:00:00Z', '2026-06-30T00:00:00Z'),
    ).toEqual([]);
  });

  it('agrees with isOffered on every grid time and every time off the grid', () => {
    const busy = [{ start: at('2026-06-01T11:00:00Z'), end: at('2026-06-01T12:00:00Z') }];
    const schedule = rules({ slotMinutes: 30, bufferAfterMinutes: 10 });
    const offered = new Set(
      findSlots(schedule, {
        from: at('2026-06-01T00:00:00Z'),
        to: at('2026-06-02T00:00:00Z'),
        durationMinutes: 30,
        now: at('2026-05-01T00:00:00Z'),
        busy,
      }).map((s) => s.start),
    );
    for (let t = at('2026-06-01T00:00:00Z'); t < at('2026-06-02T00:00:00Z'); t += 5 * MINUTE) {
      const slot = { start: t, end: t + 30 * MINUTE };
      expect([t, isOffered(schedule, slot, at('2026-05-01T00:00:00Z'), busy)]).toEqual([
        t,
        offered.has(t),
      ]);
    }
    expect(offered.size).toBe(13);
  });
});

describe('scheduleProblems', () => {
  it('names an unknown time zone, overlapping intervals and a repeated date', () => {
    expect(
      scheduleProblems(
        rules({
          timeZone: 'Mars/Olympus',
          weekly: [
            { day: 'mon', start: '09:00', end: '12:00' },
            { day: 'mon', start: '11:00', end: '13:00' },
            { day: 'tue', start: '22:00', end: '02:00' },
            { day: 'tue', start: '01:00', end: '03:00' },
          ],
          overrides: [
            { date: '2026-02-30', intervals: [] },
            { date: '2026-03-01', intervals: [] },
            { date: '2026-03-01', intervals: [] },
          ],
        }),
      ),
    ).toEqual({
      timeZone: [expect.stringContaining('IANA')],
      'weekly.1': [expect.stringContaining('overlap')],
      'overrides.0.date': [expect.stringContaining('calendar date')],
      'overrides.2.date': [expect.stringContaining('only once')],
    });
  });

  it('accepts a good schedule', () => {
    expect(scheduleProblems(rules({ timeZone: 'America/New_York' }))).toEqual({});
  });
});
