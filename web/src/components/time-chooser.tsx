import { useEffect, useState } from 'preact/hooks';
import { plainWords } from '../errors';
import { live } from '../live';
import { api } from '../session';
import { Store, useStore } from '../store';
import { formatTime, timeZone } from '../time';
import type { Chosen } from './date-time-form';

export type { Chosen };

interface Slots {
  timeZone: string;
  items: Chosen[];
}

const DAYS_SHOWN = 14;
const still = new Store(0);
/** A long day of short slots reads better in parts (local hours). */
const PARTS = [
  { name: 'Morning', until: 12 },
  { name: 'Afternoon', until: 17 },
  { name: 'Evening', until: 24 },
];
const dayName = new Intl.DateTimeFormat(undefined, {
  weekday: 'short',
  day: 'numeric',
  month: 'short',
});

function startOfDay(offset: number): Date {
  const day = new Date();
  day.setHours(0, 0, 0, 0);
  day.setDate(day.getDate() + offset);
  return day;
}

/**
 * The clinician's free slots, a day at a time, in the person's own zone. Looks again when the
 * service says they changed (slots.changed), on every notification, and when a hold or a
 * booking finds the time taken meanwhile.
 */
export function TimeChooser({
  clinicianId,
  excludeAppointment,
  holds = false,
  label,
  onChoose,
}: {
  clinicianId: string;
  excludeAppointment?: string;
  /** Holds a picked slot for the person (5 minutes, PRODUCT §7) while they confirm. */
  holds?: boolean;
  label: string;
  /** Rejects with the server's error when the slot could not be had. */
  onChoose: (chosen: Chosen, holdId?: string) => Promise<void>;
}) {
  const device = useStore(live);
  const changes = useStore(device?.changes ?? still);
  const [day, setDay] = useState(0);
  const [slots, setSlots] = useState<Slots | null>(null);
  const [picked, setPicked] = useState<Chosen | null>(null);
  const [error, setError] = useState('');
  const [again, setAgain] = useState(0);
  const [holdId, setHoldId] = useState<string | null>(null);

  // A hold not used for a booking is given back when the person leaves the picker.
  useEffect(() => {
    if (!holdId) {
      return;
    }
    return () => void api(`/api/slot-holds/${holdId}`, { method: 'DELETE' }).catch(() => {});
  }, [holdId]);

  /** Taking a hold tells at once whether the time is still free. */
  async function pick(slot: Chosen) {
    setError('');
    setPicked(slot);
    if (!holds) {
      return;
    }
    try {
      const hold = await api<{ id: string }>('/api/slot-holds', {
        method: 'POST',
        body: { clinicianId, ...slot },
      });
      setHoldId(hold.id);
    } catch (err) {
      setPicked(null);
      setError(plainWords(err));
      setAgain((n) => n + 1);
    }
  }

  useEffect(() => {
    const query = new URLSearchParams({
      from: new Date(Math.max(Date.now(), startOfDay(day).getTime())).toISOString(),
      to: startOfDay(day + 1).toISOString(),
    });
    if (excludeAppointment) {
      query.set('excludeAppointment', excludeAppointment);
    }
    let current = true;
    const load = () =>
      api<Slots>(`/api/clinicians/${clinicianId}/slots?${query}`).then(
        (found) => {
          if (current) {
            setSlots(found);
            setPicked((p) => (p && found.items.some((s) => s.startsAt === p.startsAt) ? p : null));
          }
        },
        (err: unknown) => current && setError(plainWords(err)),
      );
    void load();
    return () => {
      current = false;
    };
  }, [clinicianId, excludeAppointment, day, changes, again]);

  // Live: the service says when this clinician's free slots may have changed (PRODUCT §7).
  useEffect(() => {
    if (!device) {
      return;
    }
    const { socket } = device;
    const watch = () => socket.request('slots.watch', { clinicianId }).catch(() => {});
    void watch();
    const offChanged = socket.on('slots.changed', (change) => {
      const shown = { from: startOfDay(day).getTime(), to: startOfDay(day + 1).getTime() };
      if (
        change.clinicianId === clinicianId &&
        new Date(change.from).getTime() < shown.to &&
        new Date(change.to).getTime() > shown.from
      ) {
        setAgain((n) => n + 1);
      }
    });
    // A watch does not outlive the connection; changes meanwhile were missed: look again.
    const offReconnected = socket.on('reconnected', () => {
      void watch();
      setAgain((n) => n + 1);
    });
    return () => {
      offChanged();
      offReconnected();
      void socket.request('slots.unwatch', { clinicianId }).catch(() => {});
    };
  }, [device, clinicianId, day]);

  async function confirm() {
    if (!picked) {
      return;
    }
    setError('');
    try {
      await onChoose(picked, holdId ?? undefined);
      // Used up by the booking: nothing to give back.
      setHoldId(null);
    } catch (err) {
      setError(plainWords(err));
      setAgain((n) => n + 1);
    }
  }

  return (
    <div class="time-chooser slots" data-testid="time-chooser">
      <div class="days" role="group" aria-label="Day">
        {Array.from({ length: DAYS_SHOWN }, (_, offset) => (
          <button
            key={offset}
            type="button"
            aria-pressed={offset === day}
            onClick={() => {
              setDay(offset);
              setPicked(null);
            }}
          >
            {offset === 0
              ? 'Today'
              : offset === 1
                ? 'Tomorrow'
                : dayName.format(startOfDay(offset))}
          </button>
        ))}
      </div>
      <p class="hint">
        Times in your time zone ({timeZone})
        {slots && slots.timeZone !== timeZone ? `; the clinician works in ${slots.timeZone}` : ''}.
      </p>
      {slots === null && !error && <p>Looking for free times…</p>}
      {slots?.items.length === 0 && <p>No free time this day. Try another day.</p>}
      <div role="group" aria-label="Free times">
        {slots &&
          PARTS.map(({ name, until }, i) => {
            const from = i === 0 ? 0 : PARTS[i - 1].until;
            const inPart = slots.items.filter((slot) => {
              const hour = new Date(slot.startsAt).getHours();
              return hour >= from && hour < until;
            });
            return (
              inPart.length > 0 && (
                <div key={name}>
                  <h3 class="part">{name}</h3>
                  <div class="slot-grid">
                    {inPart.map((slot) => (
                      <button
                        key={slot.startsAt}
                        type="button"
                        aria-pressed={picked?.startsAt === slot.startsAt}
                        onClick={() => void pick(slot)}
                      >
                        {formatTime(slot.startsAt)}
                      </button>
                    ))}
                  </div>
                </div>
              )
            );
          })}
      </div>
      {/* Stays in view while the person scrolls through a long day. */}
      <div class="confirm">
        {error && (
          <p class="error" role="alert">
            {error}
          </p>
        )}
        <button type="button" class="primary" disabled={!picked} onClick={() => void confirm()}>
          {picked
            ? `${label}: ${formatTime(picked.startsAt)}–${formatTime(picked.endsAt)}`
            : `${label}: choose a time`}
        </button>
      </div>
    </div>
  );
}
