import type { TelevisitSocket } from '../../client/televisit-socket';
import { VisitCall, type CallState } from '../../client/visit-call';
import { Store } from './store';

export type PeerState = 'connecting' | 'connected' | 'reconnecting' | 'left' | 'removed';

export interface PeerView {
  userId: string;
  displayName: string;
  role: string;
  state: PeerState;
  stream: MediaStream | null;
}

export interface CallView {
  state: CallState;
  peers: PeerView[];
  /** Clinician: the patient in the waiting room. */
  waiting: { displayName: string; since: number } | null;
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
 * per peer with its own state.
 */
export class CallSession {
  readonly view = new Store<CallView>({
    state: 'idle',
    peers: [],
    waiting: null,
    joinedAt: null,
    muted: false,
    cameraOff: false,
  });
  private readonly call: VisitCall;

  constructor(
    readonly socket: TelevisitSocket,
    readonly appointmentId: string,
    readonly local: MediaStream,
  ) {
    this.call = new VisitCall(socket, appointmentId);
    this.call.addLocalStream(local);
    this.call.on('state', (state) => {
      this.patch({ state });
      if (state === 'left' || state === 'ended' || state === 'replaced') {
        sessionStorage.removeItem(IN_VISIT);
        this.local.getTracks().forEach((track) => track.stop());
        this.patch({ waiting: null });
      }
    });
    this.call.on('waiting', (patient) =>
      this.patch({
        waiting: patient ? { displayName: patient.displayName, since: Date.now() } : null,
      }),
    );
    this.call.on('peer-joined', (peer) =>
      this.setPeer(peer.userId, {
        displayName: peer.displayName,
        role: peer.role,
        state: 'connecting',
        stream: null,
      }),
    );
    this.call.on('track', (event) => {
      const peer = this.call.peer;
      if (peer) {
        this.setPeer(peer.userId, { stream: event.streams[0] ?? new MediaStream([event.track]) });
      }
    });
    this.call.on('connectionstatechange', (state) => {
      const peer = this.call.peer;
      if (peer && (state === 'connected' || state === 'connecting')) {
        const current = this.view.value.peers.find((p) => p.userId === peer.userId);
        // A reconnecting peer stays so until the server says it is back.
        if (current?.state !== 'reconnecting' || state === 'connected') {
          this.setPeer(peer.userId, { state });
        }
      }
    });
    this.call.on('peer-reconnecting', ({ userId }) =>
      this.setPeer(userId, { state: 'reconnecting' }),
    );
    this.call.on('peer-reconnected', ({ userId }) =>
      this.setPeer(userId, { state: this.call.state === 'connected' ? 'connected' : 'connecting' }),
    );
    this.call.on('peer-left', ({ userId }) =>
      this.setPeer(userId, { state: 'left', stream: null }),
    );
  }

  async join(): Promise<void> {
    const result = await this.call.join();
    sessionStorage.setItem(IN_VISIT, this.appointmentId);
    this.patch({ joinedAt: Date.now() });
    for (const p of result.participants) {
      if (p.role !== result.role && p.state !== 'waiting') {
        this.setPeer(p.userId, {
          displayName: p.displayName,
          role: p.role,
          state: p.state === 'reconnecting' ? 'reconnecting' : 'connecting',
          stream: null,
        });
      }
    }
  }

  admit(): Promise<void> {
    return this.call.admit();
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
              role: 'guest',
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
