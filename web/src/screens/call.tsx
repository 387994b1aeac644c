import { useEffect, useRef, useState } from 'preact/hooks';
import type { Appointment, Page } from '../api';
import { CallSession, visitToResume } from '../call';
import { Chat } from '../components/chat';
import { Invites } from '../components/invites';
import { People } from '../components/people';
import { Tile } from '../components/tile';
import { plainWords } from '../errors';
import { live } from '../live';
import { ROLE_WORDS } from '../roles';
import { api } from '../session';
import { useStore } from '../store';
import { formatSpan, formatTime } from '../time';
import { DeviceCheck, keptDevices, openDevices } from './device-check';

/** Who is at this screen: a signed-in person, or a guest with a pass (socket only, no REST). */
export interface Me {
  id: string;
  displayName: string;
  role: 'patient' | 'clinician' | 'admin' | 'guest';
}

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

export function CallScreen({ appointmentId, me }: { appointmentId: string; me: Me }) {
  const device = useStore(live)!;
  const guest = me.role === 'guest';
  // A guest knows the visit only from the join ack; a clinician invited by account may not
  // be able to read it either.
  const [visit, setVisit] = useState<Appointment | null | undefined>(guest ? null : undefined);
  const [session, setSession] = useState<CallSession | null>(null);
  const [error, setError] = useState('');
  const resuming = useRef(visitToResume() === appointmentId);

  useEffect(() => {
    if (!guest) {
      loadVisit(appointmentId).then(setVisit, (err: unknown) => {
        if (
          me.role === 'clinician' &&
          (err as { code?: string }).code === 'APPOINTMENT_NOT_FOUND'
        ) {
          setVisit(null);
        } else {
          setError(plainWords(err));
        }
      });
    }
  }, [appointmentId]);

  async function join(stream: MediaStream): Promise<boolean> {
    setError('');
    const call = new CallSession(device.socket, appointmentId, stream, me.id);
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

  if (visit === undefined) {
    return error ? (
      <Problem text={error} guest={guest} />
    ) : (
      <p aria-live="polite">Loading the visit…</p>
    );
  }
  const other = visit && (me.id === visit.clinicianId ? visit.patientName : visit.clinicianName);
  if (!session) {
    return (
      <DeviceCheck
        title={other ? `Visit with ${other}` : 'Your video visit'}
        problem={error}
        onReady={join}
        back={!guest}
      />
    );
  }
  return (
    <InCall
      session={session}
      visit={visit}
      other={other}
      me={me}
      onRejoin={() => setSession(null)}
    />
  );
}

function Problem({ text, guest }: { text: string; guest: boolean }) {
  return (
    <div class="card">
      <p class="error" role="alert" data-testid="call-error">
        {text}
      </p>
      {!guest && <a href="#/">Back to my visits</a>}
    </div>
  );
}

const ENDINGS = {
  left: 'You left the visit.',
  ended: 'The visit has ended.',
  removed: 'The clinician removed you from the visit.',
  replaced: 'You joined this visit on another device; it goes on there.',
} as const;

function InCall({
  session,
  visit,
  other,
  me,
  onRejoin,
}: {
  session: CallSession;
  visit: Appointment | null;
  other: string | null;
  me: Me;
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
  // The host is the appointment's own clinician, not any clinician in the visit.
  const host = visit !== null && me.id === visit.clinicianId;
  const guest = me.role === 'guest';
  const title = other ? `Visit with ${other}` : 'Video visit';
  const myName = view.self?.displayName ?? me.displayName;

  if (view.state in ENDINGS) {
    const ending = view.state as keyof typeof ENDINGS;
    return (
      <section class="card" aria-labelledby="over-title">
        <h1 id="over-title" data-testid="call-over">
          {ENDINGS[ending]}
        </h1>
        {visit && (
          <p>
            {title}, {formatSpan(visit.startsAt, visit.endsAt)}.
          </p>
        )}
        {guest && ending !== 'left' && <p>You can close this page.</p>}
        <div class="actions">
          {!guest && (
            <a class="button primary" href="#/">
              Back to my visits
            </a>
          )}
          {ending === 'left' && <button onClick={onRejoin}>Join again</button>}
        </div>
      </section>
    );
  }

  const waitingRoom = view.state === 'waiting';
  const present = view.peers.filter((p) => p.state !== 'left' && p.state !== 'removed');
  const waitingFor = visit?.clinicianName ?? 'the clinician';
  return (
    <section class="call" aria-labelledby="call-title">
      <h1 id="call-title" class="sr-only">
        {title}
      </h1>
      {waitingRoom && (
        <div class="card waiting-room" role="status" data-testid="waiting-room">
          <h2>Waiting for {waitingFor}</h2>
          <p>
            You have been in the waiting room since{' '}
            {formatTime(new Date(view.joinedAt ?? Date.now()))}.{' '}
            {visit ? visit.clinicianName : 'The clinician'} has been told you are here and will let
            you in.
          </p>
        </div>
      )}
      {host && <People view={view} session={session} act={act} />}
      {!waitingRoom && present.length === 0 && view.waitingRoom.length === 0 && (
        <p class="card" role="status" data-testid="alone">
          {host
            ? `${other} has not joined yet.`
            : other
              ? `Waiting for ${other} to come back.`
              : 'Waiting for the others to join.'}
        </p>
      )}
      <div class={`tiles n${Math.min(present.length + 1, 4)}`}>
        {view.peers.map((peer) => (
          <Tile
            key={peer.userId}
            name={peer.displayName}
            role={ROLE_WORDS[peer.role]}
            state={peer.state}
            stream={peer.stream}
          />
        ))}
        <Tile
          name={`${myName} (you)`}
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
        {host && !waitingRoom && (
          <button class="danger" onClick={act(() => session.end())}>
            End visit
          </button>
        )}
      </div>
      <Chat socket={session.socket} appointmentId={session.appointmentId} me={me.id} />
      {host && (
        <Invites
          appointmentId={session.appointmentId}
          changes={view.waitingRoom.length * 100 + present.length}
        />
      )}
    </section>
  );
}
