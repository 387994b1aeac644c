import { DateTime, IANAZone } from 'luxon';
import { LocalInterval, minuteOfDay, ScheduleRules } from './slot-grid';

/**
 * What is wrong with a schedule beyond its shape (which the DTO checks), by field path as the
 * validation pipe names fields: an unknown time zone, a date that is not a calendar date, a
 * date given twice, intervals of one day that overlap.
 */
export function scheduleProblems(rules: ScheduleRules): Record<string, string[]> {
  const problems: Record<string, string[]> = {};
  const add = (field: string, message: string) => {
    (problems[field] ??= []).push(message);
  };
  if (!IANAZone.isValidZone(rules.timeZone)) {
    add('timeZone', 'timeZone must be an IANA time zone name, like Europe/Berlin');
  }
  const byDay = new Map<string, { interval: LocalInterval; index: number }[]>();
  rules.weekly.forEach((interval, index) => {
    byDay.set(interval.day, [...(byDay.get(interval.day) ?? []), { interval, index }]);
  });
  for (const entries of byDay.values()) {
    for (const index of overlapping(entries.map((e) => e.interval))) {
      add(`weekly.${entries[index].index}`, 'weekly intervals of one day must not overlap');
    }
  }
  const seen = new Set<string>();
  rules.overrides.forEach((override, index) => {
    if (!DateTime.fromISO(override.date, { zone: 'UTC' }).isValid) {
      add(`overrides.${index}.date`, 'date must be a calendar date, YYYY-MM-DD');
    } else if (seen.has(override.date)) {
      add(`overrides.${index}.date`, 'each date may be overridden only once');
    }
    seen.add(override.date);
    for (const i of overlapping(override.intervals)) {
      add(`overrides.${index}.intervals.${i}`, 'intervals of one day must not overlap');
    }
  });
  return problems;
}

/** Indexes of intervals that overlap an earlier one (an interval may cross midnight). */
function overlapping(intervals: LocalInterval[]): number[] {
  const spans = intervals.map(({ start, end }) => {
    const from = minuteOfDay(start);
    const to = minuteOfDay(end);
    return { from, to: to <= from ? to + 24 * 60 : to };
  });
  const found: number[] = [];
  spans.forEach((span, i) => {
    if (spans.slice(0, i).some((other) => span.from < other.to && other.from < span.to)) {
      found.push(i);
    }
  });
  return found;
}
