import type { ParticipantRole, WaitingParticipant } from '../../client/protocol';
import type { TelevisitSocket } from '../../client/televisit-socket';
import { VisitCall, type CallState } from '../../client/visit-call';
import { Store } from './store';

export type PeerState = 'connecting' | 'connected' | 'reconnecting' | 'left' | 'removed';

export interface PeerView {
  userId: string;
  displayName: string;
  role: ParticipantRole | 'guest';
  state: PeerState;
  stream: MediaStream | null;
}

export interface WaitingView extends WaitingParticipant {
  /** Epoch ms: when this screen first saw them waiting. */
  since: number;
}

export interface CallView {
  state: CallState;
  peers: PeerView[];
  /** Host: the waiting room, the patient first. */
  waitingRoom: WaitingView[];
  /** Guests are admitted only after the patient. */
  patientIn: boolean;
  /** Our own name and role as the visit knows them (a guest learns them from the join ack). */
  self: { displayName: string; role: ParticipantRole } | null;
  joinedAt: number | null;
  muted: boolean;
  cameraOff: boolean;
}

const IN_VISIT = 'televisit.inVisit';

/** The visit this tab is in, so a reload goes straight back into it. */
export function visitToResume(): string | null {
  return sessionStorage.getItem(IN_VISIT);
}

/**
 * One visit as the call screen shows it: VisitCall's events folded into a CallView, one tile
 * per other participant (a mesh: one connection each) with its own state.
 */
export class CallSession {
  readonly view = new Store<CallView>({
    state: 'idle',
    peers: [],
    waitingRoom: [],
    patientIn: false,
    self: null,
    joinedAt: null,
    muted: false,
    cameraOff: false,
  });
  private readonly call: VisitCall;

  constructor(
    readonly socket: TelevisitSocket,
    readonly appointmentId: string,
    readonly local: MediaStream,
    /** Our user id: in a visit with a guest clinician, the role alone does not tell us apart. */
    readonly selfId: string,
  ) {
    this.call = new VisitCall(socket, appointmentId, { userId: selfId || undefined });
    this.call.addLocalStream(local);
    this.call.on('state', (state) => {
      this.patch({ state });
      if (state === 'left' || state === 'ended' || state === 'removed' || state === 'replaced') {
        sessionStorage.removeItem(IN_VISIT);
        this.local.getTracks().forEach((track) => track.stop());
        this.patch({ waitingRoom: [] });
      }
    });
    this.call.on('waiting-room', (list) =>
      this.view.update((view) => {
        const since = new Map(view.waitingRoom.map((w) => [w.userId, w.since]));
        const waitingRoom = list.map((w) => ({ ...w, since: since.get(w.userId) ?? Date.now() }));
        return { ...view, waitingRoom };
      }),
    );
    this.call.on('peer-joined', (peer) => {
      this.setPeer(peer.userId, {
        displayName: peer.displayName,
        role: peer.role,
        state: 'connecting',
        stream: null,
      });
      this.patch({ patientIn: this.call.roster.patientAdmitted });
    });
    this.call.on('peer-track', ({ userId, event }) =>
      this.setPeer(userId, { stream: event.streams[0] ?? new MediaStream([event.track]) }),
    );
    this.call.on('peer-connection', ({ userId, state }) => {
      if (state === 'connected' || state === 'connecting') {
        const current = this.view.value.peers.find((p) => p.userId === userId);
        // A reconnecting peer stays so until the server says it is back.
        if (current && (current.state !== 'reconnecting' || state === 'connected')) {
          this.setPeer(userId, { state });
        }
      }
    });
    this.call.on('peer-reconnecting', ({ userId }) =>
      this.setPeer(userId, { state: 'reconnecting' }),
    );
    this.call.on('peer-reconnected', ({ userId }) =>
      this.setPeer(userId, {
        state: this.call.pcOf(userId)?.connectionState === 'connected' ? 'connected' : 'connecting',
      }),
    );
    this.call.on('peer-left', ({ userId, reason }) => {
      this.setPeer(userId, { state: reason === 'removed' ? 'removed' : 'left', stream: null });
      this.patch({ patientIn: this.call.roster.patientAdmitted });
    });
  }

  async join(): Promise<void> {
    const result = await this.call.join();
    sessionStorage.setItem(IN_VISIT, this.appointmentId);
    const me = result.participants.find((p) => p.userId === this.call.roster.self);
    this.patch({
      joinedAt: Date.now(),
      self: me ? { displayName: me.displayName, role: me.role } : null,
      patientIn: this.call.roster.patientAdmitted,
    });
    for (const p of this.call.roster.admitted()) {
      this.setPeer(p.userId, {
        displayName: p.displayName,
        role: p.role,
        state: p.state === 'reconnecting' ? 'reconnecting' : 'connecting',
        stream: null,
      });
    }
  }

  /** Host: without `userId`, the patient. */
  admit(userId?: string): Promise<void> {
    return this.call.admit(userId);
  }

  remove(userId: string): Promise<void> {
    return this.call.remove(userId);
  }

  leave(): Promise<void> {
    return this.call.leave();
  }

  end(): Promise<void> {
    return this.call.end();
  }

  toggleMute(): void {
    const muted = !this.view.value.muted;
    this.local.getAudioTracks().forEach((track) => (track.enabled = !muted));
    this.patch({ muted });
  }

  toggleCamera(): void {
    const cameraOff = !this.view.value.cameraOff;
    this.local.getVideoTracks().forEach((track) => (track.enabled = !cameraOff));
    this.patch({ cameraOff });
  }

  private setPeer(userId: string, change: Partial<PeerView>): void {
    this.view.update((view) => {
      const known = view.peers.find((p) => p.userId === userId);
      const peers = known
        ? view.peers.map((p) => (p.userId === userId ? { ...p, ...change } : p))
        : [
            ...view.peers,
            {
              userId,
              displayName: 'Participant',
              role: 'guest' as const,
              state: 'connecting' as const,
              stream: null,
              ...change,
            },
          ];
      return { ...view, peers };
    });
  }

  private patch(change: Partial<CallView>): void {
    this.view.update((view) => ({ ...view, ...change }));
  }
}
