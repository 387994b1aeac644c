import { DateTime } from 'luxon';

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** Local wall-clock hours `HH:MM`; an `end` at or before `start` is on the next day. */
export interface LocalInterval {
  start: string;
  end: string;
}

export interface WeeklyInterval extends LocalInterval {
  day: Weekday;
}

/** Replaces that local date's hours; no intervals is a day off. */
export interface DateOverride {
  date: string;
  intervals: LocalInterval[];
}

export interface ScheduleRules {
  timeZone: string;
  weekly: WeeklyInterval[];
  overrides: DateOverride[];
  slotMinutes: number;
  bufferBeforeMinutes: number;
  bufferAfterMinutes: number;
  minimumNoticeMinutes: number;
  bookingHorizonDays: number;
}

/** Half-open `[start, end)`, epoch milliseconds. */
export interface Range {
  start: number;
  end: number;
}

export interface SlotQuery {
  /** Slots lie wholly inside `[from, to)`. */
  from: number;
  to: number;
  durationMinutes: number;
  now: number;
  /** What already takes the clinician's time (visits with their buffers, others' holds). */
  busy: Range[];
}

const MINUTE = 60_000;
const DAY_MINUTES = 24 * 60;

/** One interval of one local date, placed on the time line. */
interface OpenInterval extends Range {
  date: DateTime;
  startMinute: number;
  endMinute: number;
}

/** `HH:MM` as minutes after midnight. */
export function minuteOfDay(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
}

/**
 * The wall-clock time `minute` minutes after the start of local `date`, as an instant, or null
 * when that local time does not exist (skipped by a daylight-saving change). A repeated local
 * time (the autumn change) is one instant, whichever Luxon picks, so it is never offered twice.
 */
function wallClock(date: DateTime, minute: number): { at: number; exists: boolean } {
  const day = Math.floor(minute / DAY_MINUTES);
  const rest = minute - day * DAY_MINUTES;
  const hour = Math.floor(rest / 60);
  const min = rest % 60;
  const local = date.plus({ days: day }).set({ hour, minute: min, second: 0, millisecond: 0 });
  return { at: local.toMillis(), exists: local.hour === hour && local.minute === min };
}

function intervalsOf(rules: ScheduleRules, date: DateTime): LocalInterval[] {
  const iso = date.toISODate();
  const override = rules.overrides.find((o) => o.date === iso);
  if (override) {
    return override.intervals;
  }
  const day = WEEKDAYS[date.weekday - 1];
  return rules.weekly.filter((w) => w.day === day);
}

/** The schedule's intervals of the local dates that can reach into `[from, to)`, by start. */
export function openIntervals(rules: ScheduleRules, from: number, to: number): OpenInterval[] {
  const zone = rules.timeZone;
  const last = DateTime.fromMillis(to, { zone }).startOf('day');
  // An interval of the day before may cross midnight into the window.
  let date = DateTime.fromMillis(from, { zone }).startOf('day').minus({ days: 1 });
  const open: OpenInterval[] = [];
  while (date <= last) {
    for (const interval of intervalsOf(rules, date)) {
      const startMinute = minuteOfDay(interval.start);
      let endMinute = minuteOfDay(interval.end);
      if (endMinute <= startMinute) {
        endMinute += DAY_MINUTES;
      }
      const start = wallClock(date, startMinute).at;
      const end = wallClock(date, endMinute).at;
      if (end > start && end > from && start < to) {
        open.push({ date, startMinute, endMinute, start, end });
      }
    }
    date = date.plus({ days: 1 });
  }
  return open.sort((a, b) => a.start - b.start);
}

/**
 * The grid of an interval: every `slotMinutes` of local time from its start, skipping local
 * times that do not exist. Without a change of offset inside the interval, local and elapsed
 * time agree and the grid is plain arithmetic.
 */
function gridOf(interval: OpenInterval, slotMinutes: number): number[] {
  const first = wallClock(interval.date, interval.startMinute);
  const offsetAt = (at: number) => DateTime.fromMillis(at, { zone: interval.date.zone }).offset;
  const steady = first.exists && offsetAt(interval.start) === offsetAt(interval.end - 1);
  const grid: number[] = [];
  for (let minute = interval.startMinute; minute < interval.endMinute; minute += slotMinutes) {
    if (steady) {
      grid.push(interval.start + (minute - interval.startMinute) * MINUTE);
    } else {
      const local = wallClock(interval.date, minute);
      if (local.exists) {
        grid.push(local.at);
      }
    }
  }
  return grid;
}

/** Touching or overlapping intervals as one stretch of open time: a slot may run across. */
function merge(ranges: Range[]): Range[] {
  const merged: Range[] = [];
  for (const range of ranges) {
    const last = merged[merged.length - 1];
    if (last && range.start <= last.end) {
      last.end = Math.max(last.end, range.end);
    } else {
      merged.push({ start: range.start, end: range.end });
    }
  }
  return merged;
}

/** Index of the last range whose start is before `at`, or -1. `ranges` sorted by start. */
function lastStartingBefore(ranges: Range[], at: number): number {
  let low = 0;
  let high = ranges.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (ranges[mid].start < at) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low - 1;
}

/**
 * The free slots: grid times inside the hours, at least the notice ahead, starting within the
 * horizon, whose time widened by the buffers meets nothing busy. Booking asks the same
 * function about one time (`isOffered`), so what is offered and what books cannot drift apart.
 */
export function findSlots(rules: ScheduleRules, query: SlotQuery): Range[] {
  const length = query.durationMinutes * MINUTE;
  const before = rules.bufferBeforeMinutes * MINUTE;
  const after = rules.bufferAfterMinutes * MINUTE;
  const earliest = query.now + rules.minimumNoticeMinutes * MINUTE;
  const latest = query.now + rules.bookingHorizonDays * DAY_MINUTES * MINUTE;
  const intervals = openIntervals(rules, query.from, query.to);
  const open = merge(intervals);
  const busy = [...query.busy].sort((a, b) => a.start - b.start);
  // The furthest end among busy[0..i]: busy ranges may nest once buffers differ.
  const reach: number[] = [];
  for (const [i, range] of busy.entries()) {
    reach.push(Math.max(range.end, i > 0 ? reach[i - 1] : -Infinity));
  }
  const starts = new Set<number>();
  for (const interval of intervals) {
    for (const start of gridOf(interval, rules.slotMinutes)) {
      const end = start + length;
      if (start < query.from || end > query.to || start <= query.now) {
        continue;
      }
      if (start < earliest || start > latest) {
        continue;
      }
      const stretch = open[lastStartingBefore(open, start + 1)];
      if (!stretch || end > stretch.end) {
        continue;
      }
      const blocker = lastStartingBefore(busy, end + after);
      if (blocker >= 0 && reach[blocker] > start - before) {
        continue;
      }
      starts.add(start);
    }
  }
  return [...starts].sort((a, b) => a - b).map((start) => ({ start, end: start + length }));
}

/** Whether `findSlots` would offer exactly `[start, end)`. */
export function isOffered(rules: ScheduleRules, slot: Range, now: number, busy: Range[]): boolean {
  const durationMinutes = (slot.end - slot.start) / MINUTE;
  if (!Number.isInteger(durationMinutes) || durationMinutes <= 0) {
    return false;
  }
  const found = findSlots(rules, { from: slot.start, to: slot.end, durationMinutes, now, busy });
  return found.length === 1 && found[0].start === slot.start;
}

/** `[start, end)` widened by the schedule's buffers: what a visit there occupies. */
export function occupied(
  rules: Pick<ScheduleRules, 'bufferBeforeMinutes' | 'bufferAfterMinutes'>,
  slot: Range,
): Range {
  return {
    start: slot.start - rules.bufferBeforeMinutes * MINUTE,
    end: slot.end + rules.bufferAfterMinutes * MINUTE,
  };
}

/** Whether `range` lies wholly inside the schedule's hours (grid and buffers aside). */
export function withinHours(rules: ScheduleRules, range: Range): boolean {
  const open = merge(openIntervals(rules, range.start, range.end));
  const stretch = open[lastStartingBefore(open, range.start + 1)];
  return stretch !== undefined && range.end <= stretch.end;
}
