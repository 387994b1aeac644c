import { useEffect, useState } from 'preact/hooks';
import type { PresenceStatus } from '../../../client/protocol';
import type { Appointment, AppointmentStatus, Page, User } from '../api';
import { navigate } from '../app';
import { DateTimeForm } from '../components/date-time-form';
import { TimeChooser, type Chosen } from '../components/time-chooser';
import { plainWords } from '../errors';
import { live, type Waiting, type WaitingRooms } from '../live';
import { api } from '../session';
import { Store, useStore } from '../store';
import { formatDay, formatDuration, formatSpan } from '../time';

const STATUS: Record<AppointmentStatus, string> = {
  scheduled: 'Scheduled',
  in_progress: 'In progress',
  completed: 'Completed',
  cancelled: 'Cancelled',
  no_show: 'Missed',
};
const PRESENCE: Record<PresenceStatus, string> = {
  available: 'Online',
  away: 'Away',
  busy: 'Busy',
  in_call: 'In a call',
  offline: 'Offline',
};
const still = new Store(0);
const nobody = new Store<Record<string, PresenceStatus>>({});
const noneWaiting = new Store<WaitingRooms>({});

/** Who has waited longest in a visit's waiting room, if anyone. */
function longestWaiting(room: Record<string, Waiting> | undefined): Waiting | undefined {
  return Object.values(room ?? {}).sort((a, b) => a.since - b.since)[0];
}

/** Clinicians: today (midnight to midnight, their zone). Patients: from 4 h ago, 60 days on. */
function window(role: User['role']): { from: Date; to: Date } {
  if (role === 'clinician') {
    const from = new Date();
    from.setHours(0, 0, 0, 0);
    const to = new Date(from);
    to.setDate(to.getDate() + 1);
    return { from, to };
  }
  return { from: new Date(Date.now() - 4 * 3_600_000), to: new Date(Date.now() + 60 * 86_400_000) };
}

function useNow(everyMs: number): number {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), everyMs);
    return () => clearInterval(timer);
  }, [everyMs]);
  return now;
}

export function VisitsScreen({ user }: { user: User }) {
  const device = useStore(live);
  const changes = useStore(device?.changes ?? still);
  const presence = useStore(device?.presence ?? nobody);
  const waiting = useStore(device?.waiting ?? noneWaiting);
  const [visits, setVisits] = useState<Appointment[] | null>(null);
  const [error, setError] = useState('');
  const [tick, setTick] = useState(0);
  useNow(30_000);

  useEffect(() => {
    const { from, to } = window(user.role);
    const query = new URLSearchParams({
      from: from.toISOString(),
      to: to.toISOString(),
      limit: '100',
    });
    api<Page<Appointment>>(`/api/appointments?${query}`).then(
      (page) => {
        setVisits(page.items);
        setError('');
      },
      (err: unknown) => setError(plainWords(err)),
    );
  }, [changes, tick, user.role]);

  const clinician = user.role === 'clinician';
  return (
    <section class="card" aria-labelledby="visits-title">
      <h1 id="visits-title">{clinician ? `Today, ${formatDay(new Date())}` : 'My visits'}</h1>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      {visits === null && !error && <p>Loading…</p>}
      {visits?.length === 0 && (
        <p>
          {clinician ? 'No visits today.' : 'No visits booked. '}
          {!clinician && <a href="#/book">Book a visit</a>}
        </p>
      )}
      <ul class="list visits" data-testid="visits">
        {visits?.map((visit) => (
          <VisitItem
            key={visit.id}
            visit={visit}
            clinician={clinician}
            presence={presence[clinician ? visit.patientId : visit.clinicianId]}
            waiting={longestWaiting(waiting[visit.id])}
            onChanged={() => setTick((n) => n + 1)}
          />
        ))}
      </ul>
    </section>
  );
}

function VisitItem({
  visit,
  clinician,
  presence,
  waiting,
  onChanged,
}: {
  visit: Appointment;
  clinician: boolean;
  presence: PresenceStatus | undefined;
  waiting: Waiting | undefined;
  onChanged: () => void;
}) {
  const [moving, setMoving] = useState(false);
  const [error, setError] = useState('');
  const other = clinician ? visit.patientName : visit.clinicianName;
  const open = visit.status === 'scheduled' || visit.status === 'in_progress';
  const showWaiting = clinician && waiting && open;
  const joinLabel = showWaiting ? 'Open and admit' : 'Join';

  async function change(path: string, method: string, body: unknown) {
    setError('');
    try {
      await move(path, method, body);
    } catch (err) {
      setError(plainWords(err));
    }
  }

  async function move(path: string, method: string, body: unknown) {
    await api(path, { method, body, headers: { 'If-Match': String(visit.version) } });
    setMoving(false);
    onChanged();
  }

  return (
    <li class="visit" data-visit={visit.id}>
      <div class="visit-main">
        <strong class="other">{other}</strong>
        {presence && (
          <span class={`presence-dot ${presence}`} data-testid="presence">
            {PRESENCE[presence]}
          </span>
        )}
        <span class="when">{formatSpan(visit.startsAt, visit.endsAt)}</span>
        <span class={`status ${visit.status}`} data-testid="status">
          {STATUS[visit.status]}
        </span>
        {showWaiting && (
          <span class="waiting" role="status" data-testid="waiting">
            Waiting for {formatDuration(Date.now() - waiting.since)}
          </span>
        )}
      </div>
      {open && (
        <div class="actions">
          <button
            class="primary"
            onClick={() => navigate(`/visit/${visit.id}`)}
            aria-label={`${joinLabel}: visit with ${other}`}
          >
            {joinLabel}
          </button>
          {visit.status === 'scheduled' && (
            <>
              <button onClick={() => setMoving(!moving)} aria-expanded={moving}>
                Reschedule
              </button>
              <button
                onClick={() => void change(`/api/appointments/${visit.id}/cancel`, 'POST', {})}
                aria-label={`Cancel the visit with ${other}`}
              >
                Cancel
              </button>
            </>
          )}
        </div>
      )}
      {moving && clinician && (
        <DateTimeForm
          label="Move the visit"
          initial={new Date(visit.startsAt)}
          onChoose={(chosen: Chosen) =>
            void change(`/api/appointments/${visit.id}`, 'PATCH', chosen)
          }
        />
      )}
      {moving && !clinician && (
        <TimeChooser
          clinicianId={visit.clinicianId}
          excludeAppointment={visit.id}
          label="Move the visit"
          onChoose={(chosen) => move(`/api/appointments/${visit.id}`, 'PATCH', chosen)}
        />
      )}
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
    </li>
  );
}
