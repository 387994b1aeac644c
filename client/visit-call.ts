import { CallRoster, type Peer } from './call-roster.js';
import type { PeerConnectionClass } from './peer-link.js';
import { PeerMesh } from './peer-mesh.js';
import type {
  ParticipantRole,
  ServerEvents,
  SessionJoinResult,
  SignalMessage,
  WaitingParticipant,
} from './protocol.js';
import { TelevisitError } from './televisit-error.js';
import type { TelevisitSocket } from './televisit-socket.js';
import { TypedEmitter } from './typed-emitter.js';
import type { CallState, VisitCallEvents, VisitCallOptions } from './visit-call-types.js';
import { VisitEvents } from './visit-events.js';

export type { CallState, PeerConnectionClass, Peer, VisitCallEvents, VisitCallOptions };

const TERMINAL: ReadonlySet<CallState> = new Set(['left', 'ended', 'removed', 'replaced']);

/**
 * One video visit over a TelevisitSocket: joins it, then keeps a mesh of RTCPeerConnections,
 * one per other admitted participant, each with the W3C "perfect negotiation" pattern and the
 * server saying who is polite in that pair.
 */
export class VisitCall extends TypedEmitter<VisitCallEvents> {
  private readonly mesh: PeerMesh;
  /** Who else is in the visit and who waits (read it; the call keeps it up to date). */
  readonly roster = new CallRoster();
  private readonly events: VisitEvents;
  private current: CallState = 'idle';
  private channel: RTCDataChannel | null = null;
  private myRole: ParticipantRole | null = null;
  private isPolite = false;

  constructor(
    readonly socket: TelevisitSocket,
    readonly appointmentId: string,
    private readonly options: VisitCallOptions = {},
  ) {
    super();
    const impl =
      options.RTCPeerConnection ??
      (globalThis as { RTCPeerConnection?: PeerConnectionClass }).RTCPeerConnection;
    if (!impl) {
      throw new TypeError('No RTCPeerConnection: pass options.RTCPeerConnection');
    }
    this.events = new VisitEvents(socket, appointmentId, () => TERMINAL.has(this.current));
    this.mesh = new PeerMesh({
      PeerConnection: impl,
      iceTransportPolicy: options.iceTransportPolicy,
      dataChannel: options.dataChannel,
      send: (to, message) => this.sendSignal(to, message),
    });
    this.mesh.on('track', (d) => {
      this.emit('peer-track', d);
      this.emit('track', d.event);
    });
    this.mesh.on('datachannel', ({ channel }) => {
      this.channel = channel;
      this.emit('datachannel', channel);
    });
    this.mesh.on('connectionstatechange', (d) => {
      this.emit('peer-connection', d);
      this.emit('connectionstatechange', d.state);
      this.updateState();
    });
    this.mesh.on('error', (err) => this.emit('error', err));
  }

  get state(): CallState {
    return this.current;
  }

  /** The peer connection to the (first) other participant: the one of a visit of two. */
  get pc(): RTCPeerConnection | null {
    const first = this.mesh.peers[0];
    return first === undefined ? null : (this.mesh.get(first)?.pc ?? null);
  }

  /** The peer connection to `userId`; a new one replaces it whenever that side starts over. */
  pcOf(userId: string): RTCPeerConnection | null {
    return this.mesh.get(userId)?.pc ?? null;
  }

  /** The data channel last opened (of a visit of two: its only one). */
  get dataChannel(): RTCDataChannel | null {
    return this.channel;
  }

  get role(): ParticipantRole | null {
    return this.myRole;
  }

  /** The join ack's top-level politeness (two-party); per pair, `roster.politeToward`. */
  get polite(): boolean {
    return this.isPolite;
  }

  /** The (first) other admitted participant. */
  get peer(): Peer | null {
    return this.peers[0] ?? null;
  }

  /** Everyone else admitted, in order of arrival. */
  get peers(): Peer[] {
    return this.roster.admitted();
  }

  get patientWaiting(): { userId: string; displayName: string } | null {
    return this.waitingRoom.find((p) => p.role === 'patient') ?? null;
  }

  /** Clinician: the waiting room, the patient first. */
  get waitingRoom(): WaitingParticipant[] {
    return this.myRole === 'clinician' ? this.roster.waiting() : [];
  }

  async join(): Promise<SessionJoinResult> {
    if (this.current !== 'idle') {
      throw new TelevisitError('ALREADY_JOINED', `This call is ${this.current}`);
    }
    this.subscribe();
    this.events.hold();
    this.setState('joining');
    try {
      const result = await this.socket.request(
        'session.join',
        { appointmentId: this.appointmentId },
        { timeoutMs: this.options.joinTimeoutMs },
      );
      this.applyJoin(result);
      this.events.release();
      return result;
    } catch (err) {
      this.events.off();
      this.setState('idle');
      throw err;
    }
  }

  /** Sends these tracks to everyone, now or as soon as there is a peer connection. */
  addLocalStream(stream: MediaStream): void {
    this.mesh.addStream(stream);
  }

  /** Host: lets someone in (without `userId`: the patient, who comes before any guest). */
  async admit(userId?: string): Promise<void> {
    const data = userId ? { appointmentId: this.appointmentId, userId } : this.ref();
    await this.socket.request('session.admit', data);
    const admitted = userId ?? this.patientWaiting?.userId;
    if (admitted) {
      this.roster.admittedByUs(admitted);
      this.showWaiting();
    }
  }

  /** Host: removes a participant; everyone else then gets `peer-left` (reason `removed`). */
  async remove(userId: string): Promise<void> {
    await this.socket.request('session.remove', { appointmentId: this.appointmentId, userId });
  }

  /** Leaves; the visit goes on without us and we may join again later. */
  async leave(): Promise<void> {
    if (TERMINAL.has(this.current)) {
      return;
    }
    // Lets the others drop their connections now rather than when the server's notice comes.
    this.mesh.sayBye();
    const left = this.socket.request('session.leave', this.ref());
    this.finish('left');
    await left;
  }

  /** Host: ends the visit for everyone (the appointment becomes completed). */
  async end(): Promise<void> {
    await this.socket.request('session.end', this.ref());
    this.finish('ended');
  }

  private subscribe(): void {
    this.events.on('session.waiting', (d) => {
      const who = d.participant ?? { ...d.patient, role: 'patient' as const };
      if (who.userId) {
        this.roster.arrived(who);
        this.showWaiting();
      }
    });
    this.events.on('session.peer-joined', (d) => this.onPeerJoined(d));
    this.events.on('session.peer-left', (d) => this.onPeerLeft(d));
    this.events.on('session.peer-reconnecting', (d) => {
      this.roster.setState(d.userId, 'reconnecting');
      this.emit('peer-reconnecting', { userId: d.userId });
    });
    this.events.on('session.peer-reconnected', (d) => {
      this.roster.setState(d.userId, 'admitted');
      // Our side's addresses may be fine, the other side's have likely changed.
      this.mesh.restartIce(d.userId);
      this.emit('peer-reconnected', { userId: d.userId });
    });
    this.events.on('session.ended', (d) =>
      this.finish(d.reason === 'removed' ? 'removed' : 'ended'),
    );
    this.events.on('session.replaced', () => this.finish('replaced'));
    this.events.on('session.ice-servers', (d) => this.mesh.setIceServers(d.iceServers, true));
    this.events.on('signal', (d) => this.onSignal(d));
    this.events.on('rejoined', (d) => this.onRejoined(d.result));
    this.events.on('rejoin-failed', () => this.finish('ended'));
    this.events.onClosed(() => this.finish('ended'));
  }

  private applyJoin(result: SessionJoinResult): void {
    this.myRole = result.role;
    this.isPolite = result.polite;
    this.mesh.setIceServers(result.iceServers, false);
    this.roster.fromJoin(result, this.options.userId);
    this.showWaiting();
    this.setState(result.state === 'waiting' ? 'waiting' : this.inCallState());
  }

  /**
   * After a reconnect. If the seat was held, the peer connections to those still in live on
   * (media may never have stopped); the server queues only signals for an absent participant,
   * so one who left meanwhile shows only as missing from the ack. If the seat was not held, the
   * others were told we left and have closed their ends: close ours and wait for `peer-joined`.
   */
  private onRejoined(result: SessionJoinResult): void {
    this.applyJoin(result);
    const stillIn = new Set(this.roster.admitted().map((p) => p.userId));
    for (const userId of this.mesh.peers) {
      if (!result.resumed || !stillIn.has(userId)) {
        this.mesh.close(userId);
      }
    }
    if (result.resumed) {
      this.mesh.setIceServers(result.iceServers, true);
    }
    this.updateState();
  }

  /** Sent when both of a pair are in: a connection we still hold belongs to an earlier meeting. */
  private onPeerJoined(d: ServerEvents['session.peer-joined']): void {
    const entry = this.roster.joined(d);
    this.showWaiting();
    this.mesh.open(d.userId, entry.polite ?? this.isPolite);
    // For a waiting patient or guest this is the moment of admission.
    if (this.current === 'waiting' || this.current === 'admitted' || this.current === 'connected') {
      this.setState(this.inCallState());
    }
    this.emit('peer-joined', { userId: d.userId, role: d.role, displayName: d.displayName });
  }

  private onPeerLeft(d: ServerEvents['session.peer-left']): void {
    this.roster.left(d.userId);
    this.mesh.close(d.userId);
    this.showWaiting();
    this.updateState();
    this.emit('peer-left', { userId: d.userId, reason: d.reason });
  }

  private onSignal(d: ServerEvents['signal']): void {
    if (this.current !== 'admitted' && this.current !== 'connected') {
      return;
    }
    const message = { type: d.type, payload: d.payload } as SignalMessage;
    this.mesh.receive(d.from, message, this.roster.politeIfIn(d.from, this.isPolite));
    if (message.type === 'bye') {
      this.updateState();
    }
  }

  private sendSignal(to: string, message: SignalMessage): void {
    this.socket.send('signal', { appointmentId: this.appointmentId, to, ...message });
  }

  private finish(state: 'left' | 'ended' | 'removed' | 'replaced'): void {
    if (TERMINAL.has(this.current)) {
      return;
    }
    this.events.off();
    this.mesh.closeAll();
    this.channel = null;
    this.roster.clearWaiting();
    this.showWaiting();
    this.setState(state);
  }

  /** Follows the peer connections while in the visit; other states are left alone. */
  private updateState(): void {
    if (this.current === 'admitted' || this.current === 'connected') {
      this.setState(this.inCallState());
    }
  }

  private inCallState(): 'admitted' | 'connected' {
    return this.mesh.anyConnected ? 'connected' : 'admitted';
  }

  /** `waiting` when the patient's place changed, `waiting-room` when anyone's did. */
  private showWaiting(): void {
    const news = this.roster.waitingNews(this.myRole === 'clinician');
    if (news?.patientChanged) {
      this.emit('waiting', this.patientWaiting);
    }
    if (news) {
      this.emit('waiting-room', news.list);
    }
  }

  private ref(): { appointmentId: string } {
    return { appointmentId: this.appointmentId };
  }

  private setState(state: CallState): void {
    if (state !== this.current) {
      this.current = state;
      this.emit('state', state);
    }
  }
}
