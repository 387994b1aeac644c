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
  /** The local date, as the epoch milliseconds of that calendar date's UTC midnight. */
  date: number;
  zone: string;
  startMinute: number;
  endMinute: number;
}

/** `HH:MM` as minutes after midnight. */
export function minuteOfDay(hhmm: string): number {
  const [hours, minutes] = hhmm.split(':').map(Number);
  return hours * 60 + minutes;
}

/**
 * Local wall-clock times already placed on the time line, by zone, date and minute. These are
 * facts of the time-zone data, so they can be kept; Luxon asks Intl for each, which costs far
 * more than the rest of a search. Bounded: emptied when full.
 */
const placed = new Map<string, { at: number; exists: boolean }>();
const MAX_PLACED = 200_000;

/**
 * The wall-clock time `minute` minutes after the start of local `date` in `zone`, as an
 * instant, and whether that local time exists (one skipped by a daylight-saving change does
 * not). A repeated local time (the autumn change) is one instant, whichever Luxon picks, so it
 * is never offered twice.
 */
function wallClock(zone: string, date: number, minute: number): { at: number; exists: boolean } {
  // Calendar arithmetic on a UTC date (no offsets there); the zone is Luxon's to apply.
  const day = date + Math.floor(minute / DAY_MINUTES) * DAY_MINUTES * MINUTE;
  const rest = minute % DAY_MINUTES;
  const key = `${zone}|${day}|${rest}`;
  let found = placed.get(key);
  if (!found) {
    const hour = Math.floor(rest / 60);
    const min = rest % 60;
    const calendar = new Date(day);
    const local = DateTime.fromObject(
      {
        year: calendar.getUTCFullYear(),
        month: calendar.getUTCMonth() + 1,
        day: calendar.getUTCDate(),
        hour,
        minute: min,
      },
      { zone },
    );
    found = { at: local.toMillis(), exists: local.hour === hour && local.minute === min };
    if (placed.size >= MAX_PLACED) {
      placed.clear();
    }
    placed.set(key, found);
  }
  return found;
}

function intervalsOf(rules: ScheduleRules, date: number): LocalInterval[] {
  const calendar = new Date(date);
  const iso = calendar.toISOString().slice(0, 10);
  const override = rules.overrides.find((o) => o.date === iso);
  if (override) {
    return override.intervals;
  }
  const day = WEEKDAYS[(calendar.getUTCDay() + 6) % 7];
  return rules.weekly.filter((w) => w.day === day);
}

/** The local calendar date of `at` in `zone`. */
function localDate(at: number, zone: string): number {
  const local = DateTime.fromMillis(at, { zone });
  return Date.UTC(local.year, local.month - 1, local.day);
}

/** The schedule's intervals of the local dates that can reach into `[from, to)`, by start. */
export function openIntervals(rules: ScheduleRules, from: number, to: number): OpenInterval[] {
  const zone = rules.timeZone;
  const last = localDate(to, zone);
  // An interval of the day before may cross midnight into the window.
  let date = localDate(from, zone) - DAY_MINUTES * MINUTE;
  const open: OpenInterval[] = [];
  while (date <= last) {
    for (const interval of intervalsOf(rules, date)) {
      const startMinute = minuteOfDay(interval.start);
      let endMinute = minuteOfDay(interval.end);
      if (endMinute <= startMinute) {
        endMinute += DAY_MINUTES;
      }
      const start = wallClock(zone, date, startMinute).at;
      const end = wallClock(zone, date, endMinute).at;
      if (end > start && end > from && start < to) {
        open.push({ date, zone, startMinute, endMinute, start, end });
      }
    }
    date += DAY_MINUTES * MINUTE;
  }
  return open.sort((a, b) => a.start - b.start);
}

/**
 * The grid of an interval: every `slotMinutes` of local time from its start, skipping local
 * times that do not exist. When the interval lasts as long in elapsed time as on the clock
 * (no change of offset inside it), local and elapsed time agree and the grid is plain addition.
 */
function gridOf(interval: OpenInterval, slotMinutes: number): number[] {
  const { zone, date, startMinute, endMinute } = interval;
  const steady =
    wallClock(zone, date, startMinute).exists &&
    wallClock(zone, date, endMinute).exists &&
    interval.end - interval.start === (endMinute - startMinute) * MINUTE;
  const grid: number[] = [];
  for (let minute = startMinute; minute < endMinute; minute += slotMinutes) {
    if (steady) {
      grid.push(interval.start + (minute - startMinute) * MINUTE);
    } else {
      const local = wallClock(zone, date, minute);
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
