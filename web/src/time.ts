/** Times in the person's own zone (the browser's), as people write them. */
const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;

const dayTime = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
  hour: 'numeric',
  minute: '2-digit',
});
const timeOnly = new Intl.DateTimeFormat(undefined, { hour: 'numeric', minute: '2-digit' });
const dayOnly = new Intl.DateTimeFormat(undefined, {
  weekday: 'long',
  day: 'numeric',
  month: 'long',
});

export const timeZone = zone;

export function formatDayTime(iso: string | Date): string {
  return dayTime.format(new Date(iso));
}

export function formatTime(iso: string | Date): string {
  return timeOnly.format(new Date(iso));
}

export function formatDay(iso: string | Date): string {
  return dayOnly.format(new Date(iso));
}

/** "10:30–10:50" or, on another day, "Tue 4 Dec, 10:30–10:50". */
export function formatSpan(startsAt: string, endsAt: string): string {
  const today = new Date().toDateString() === new Date(startsAt).toDateString();
  return `${today ? `Today ${formatTime(startsAt)}` : formatDayTime(startsAt)}–${formatTime(endsAt)}`;
}

/** "3 min", "1 h 5 min": how long since (or until) a moment. */
export function formatDuration(ms: number): string {
  const minutes = Math.max(0, Math.round(Math.abs(ms) / 60_000));
  if (minutes < 1) {
    return 'less than a minute';
  }
  const hours = Math.floor(minutes / 60);
  return hours > 0 ? `${hours} h ${minutes % 60} min` : `${minutes} min`;
}

/** A `datetime-local` input's value ("2026-12-03T14:30") for a moment, in the local zone. */
export function toLocalInput(date: Date): string {
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(
    date.getHours(),
  )}:${pad(date.getMinutes())}`;
}
