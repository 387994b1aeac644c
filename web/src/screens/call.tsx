import { useEffect, useRef, useState } from 'preact/hooks';
import type { Appointment, Page, User } from '../api';
import { CallSession, visitToResume } from '../call';
import { Chat } from '../components/chat';
import { Tile } from '../components/tile';
import { plainWords } from '../errors';
import { live } from '../live';
import { api } from '../session';
import { useStore } from '../store';
import { formatDuration, formatSpan, formatTime } from '../time';
import { DeviceCheck, keptDevices, openDevices } from './device-check';

/** The appointment with both names (the list carries them, a single read does not). */
async function loadVisit(id: string): Promise<Appointment> {
  const one = await api<Appointment>(`/api/appointments/${id}`);
  const to = new Date(new Date(one.startsAt).getTime() + 1).toISOString();
  const query = new URLSearchParams({ from: one.startsAt, to, limit: '100' });
  const page = await api<Page<Appointment>>(`/api/appointments?${query}`);
  return (
    page.items.find((a) => a.id === id) ?? {
      ...one,
      patientName: 'Patient',
      clinicianName: 'Clinician',
    }
  );
}

export function CallScreen({ appointmentId, user }: { appointmentId: string; user: User }) {
  const device = useStore(live)!;
  const [visit, setVisit] = useState<Appointment | null>(null);
  const [session, setSession] = useState<CallSession | null>(null);
  const [error, setError] = useState('');
  const resuming = useRef(visitToResume() === appointmentId);

  useEffect(() => {
    loadVisit(appointmentId).then(setVisit, (err: unknown) => setError(plainWords(err)));
  }, [appointmentId]);

  async function join(stream: MediaStream): Promise<boolean> {
    setError('');
    const call = new CallSession(device.socket, appointmentId, stream);
    try {
      await call.join();
      device.clearWaiting(appointmentId);
      setSession(call);
      return true;
    } catch (err) {
      setError(plainWords(err));
      return false;
    }
  }

  // A reload in the middle of the visit goes straight back in, with the devices chosen before.
  useEffect(() => {
    if (resuming.current) {
      resuming.current = false;
      openDevices(keptDevices()).then(
        async (stream) => {
          if (!(await join(stream))) {
            stream.getTracks().forEach((t) => t.stop());
          }
        },
        (err: unknown) => setError(plainWords(err)),
      );
    }
  }, []);

  if (!visit) {
    return error ? <Problem text={error} /> : <p aria-live="polite">Loading the visit…</p>;
  }
  const other = user.role === 'clinician' ? visit.patientName : visit.clinicianName;
  if (!session) {
    return <DeviceCheck title={`Visit with ${other}`} problem={error} onReady={join} />;
  }
  return (
    <InCall
      session={session}
      visit={visit}
      other={other}
      user={user}
      onRejoin={() => setSession(null)}
    />
  );
}

function Problem({ text }: { text: string }) {
  return (
    <div class="card">
      <p class="error" role="alert" data-testid="call-error">
        {text}
      </p>
      <a href="#/">Back to my visits</a>
    </div>
  );
}

const ENDINGS = {
  left: 'You left the visit.',
  ended: 'The visit has ended.',
  replaced: 'You joined this visit on another device; it goes on there.',
} as const;

function InCall({
  session,
  visit,
  other,
  user,
  onRejoin,
}: {
  session: CallSession;
  visit: Appointment;
  other: string;
  user: User;
  onRejoin: () => void;
}) {
  const view = useStore(session.view);
  const [error, setError] = useState('');
  const [, setNow] = useState(0);
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 15_000);
    return () => clearInterval(timer);
  }, []);
  const act = (action: () => Promise<void>) => () => {
    setError('');
    action().catch((err: unknown) => setError(plainWords(err)));
  };
  const clinician = user.role === 'clinician';

  if (view.state === 'left' || view.state === 'ended' || view.state === 'replaced') {
    return (
      <section class="card" aria-labelledby="over-title">
        <h1 id="over-title" data-testid="call-over">
          {ENDINGS[view.state]}
        </h1>
        <p>
          Visit with {other}, {formatSpan(visit.startsAt, visit.endsAt)}.
        </p>
        <div class="actions">
          <a class="button primary" href="#/">
            Back to my visits
          </a>
          {view.state === 'left' && <button onClick={onRejoin}>Join again</button>}
        </div>
      </section>
    );
  }

  const waitingRoom = view.state === 'waiting';
  const present = view.peers.filter((p) => p.state !== 'left');
  return (
    <section class="call" aria-labelledby="call-title">
      <h1 id="call-title" class="sr-only">
        Visit with {other}
      </h1>
      {waitingRoom && (
        <div class="card waiting-room" role="status" data-testid="waiting-room">
          <h2>Waiting for {visit.clinicianName}</h2>
          <p>
            You have been in the waiting room since{' '}
            {formatTime(new Date(view.joinedAt ?? Date.now()))}. {visit.clinicianName} has been told
            you are here and will let you in.
          </p>
        </div>
      )}
      {clinician && view.waiting && (
        <div class="card admit" role="status">
          <p data-testid="waiting-patient">
            {view.waiting.displayName} is waiting (for{' '}
            {formatDuration(Date.now() - view.waiting.since)}).
          </p>
          <button class="primary" onClick={act(() => session.admit())}>
            Admit {view.waiting.displayName}
          </button>
        </div>
      )}
      {!waitingRoom && present.length === 0 && !view.waiting && (
        <p class="card" role="status" data-testid="alone">
          {clinician ? `${other} has not joined yet.` : `Waiting for ${other} to come back.`}
        </p>
      )}
      <div class={`tiles n${present.length + 1}`}>
        {view.peers.map((peer) => (
          <Tile key={peer.userId} name={peer.displayName} state={peer.state} stream={peer.stream} />
        ))}
        <Tile
          name={`${user.displayName} (you)`}
          state={[view.muted && 'Muted', view.cameraOff && 'Camera off'].filter(Boolean).join(', ')}
          stream={session.local}
          self
        />
      </div>
      {error && (
        <p class="error" role="alert">
          {error}
        </p>
      )}
      <div class="controls" role="toolbar" aria-label="Call controls">
        <button aria-pressed={view.muted} onClick={() => session.toggleMute()}>
          {view.muted ? 'Unmute' : 'Mute'}
        </button>
        <button aria-pressed={view.cameraOff} onClick={() => session.toggleCamera()}>
          {view.cameraOff ? 'Camera on' : 'Camera off'}
        </button>
        <button onClick={act(() => session.leave())}>Leave</button>
        {clinician && !waitingRoom && (
          <button class="danger" onClick={act(() => session.end())}>
            End visit
          </button>
        )}
      </div>
      <Chat socket={session.socket} appointmentId={visit.id} me={user.id} />
    </section>
  );
}
