import { PeerLink, type PeerConnectionClass } from './peer-link.js';
import type {
  Participant,
  ParticipantRole,
  ServerEvents,
  SessionJoinResult,
  SignalMessage,
} from './protocol.js';
import { TelevisitError } from './televisit-error.js';
import type { SocketEvents, TelevisitSocket } from './televisit-socket.js';
import { TypedEmitter } from './typed-emitter.js';

export type CallState =
  | 'idle'
  | 'joining'
  /** Patient only: in the waiting room until the clinician admits them. */
  | 'waiting'
  /** In the visit; the peer connection is not (or no longer) connected. */
  | 'admitted'
  | 'connected'
  | 'left'
  | 'ended'
  /** Another device of the same user took the visit over. */
  | 'replaced';

export type { PeerConnectionClass };

export interface VisitCallOptions {
  /** Defaults to the browser's; Node passes `@roamhq/wrtc`'s. */
  RTCPeerConnection?: PeerConnectionClass;
  /** `relay` forces media through TURN (to test the relay, or to hide addresses). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Label of a data channel the impolite side opens; both sides get it as `datachannel`. */
  dataChannel?: string;
  joinTimeoutMs?: number;
}

export interface Peer {
  userId: string;
  role: ParticipantRole;
  displayName: string;
}

export interface VisitCallEvents {
  state: CallState;
  track: RTCTrackEvent;
  connectionstatechange: RTCPeerConnectionState;
  datachannel: RTCDataChannel;
  /** Clinician only: a patient waits to be admitted, or no longer does (null). */
  waiting: { userId: string; displayName: string } | null;
  'peer-joined': Peer;
  'peer-left': { userId: string; reason: 'left' | 'disconnected' | 'removed' };
  'peer-reconnecting': { userId: string };
  'peer-reconnected': { userId: string };
  /** A negotiation step failed; the call goes on and may recover (ICE restart, new offer). */
  error: Error;
}

type VisitEventName = {
  [E in keyof SocketEvents]: SocketEvents[E] extends { appointmentId: string } ? E : never;
}[keyof SocketEvents];

const TERMINAL: ReadonlySet<CallState> = new Set(['left', 'ended', 'replaced']);

/**
 * One video visit over a TelevisitSocket: joins it, then sets up and keeps up the
 * RTCPeerConnection with the W3C "perfect negotiation" pattern, the server saying who is polite.
 */
export class VisitCall extends TypedEmitter<VisitCallEvents> {
  private readonly PeerConnection: PeerConnectionClass;
  private current: CallState = 'idle';
  private link: PeerLink | null = null;
  private channel: RTCDataChannel | null = null;
  private stream: MediaStream | null = null;
  private myRole: ParticipantRole | null = null;
  private isPolite = false;
  private iceServers: RTCIceServer[] = [];
  private otherParty: Peer | null = null;
  private waitingPatient: { userId: string; displayName: string } | null = null;
  private subscriptions: Array<() => void> = [];
  /** Events that arrive before the join's ack has been applied, replayed right after it. */
  private held: Array<() => void> | null = null;

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
    this.PeerConnection = impl;
  }

  get state(): CallState {
    return this.current;
  }

  /** The current peer connection; a new one replaces it whenever the other side starts over. */
  get pc(): RTCPeerConnection | null {
    return this.link?.pc ?? null;
  }

  get dataChannel(): RTCDataChannel | null {
    return this.channel;
  }

  get localStream(): MediaStream | null {
    return this.stream;
  }

  get role(): ParticipantRole | null {
    return this.myRole;
  }

  get polite(): boolean {
    return this.isPolite;
  }

  get peer(): Peer | null {
    return this.otherParty;
  }

  get patientWaiting(): { userId: string; displayName: string } | null {
    return this.waitingPatient;
  }

  async join(): Promise<SessionJoinResult> {
    if (this.current !== 'idle') {
      throw new TelevisitError('ALREADY_JOINED', `This call is ${this.current}`);
    }
    this.subscribe();
    this.held = [];
    this.setState('joining');
    try {
      const result = await this.socket.request(
        'session.join',
        { appointmentId: this.appointmentId },
        { timeoutMs: this.options.joinTimeoutMs },
      );
      this.applyJoin(result);
      const held = this.held;
      this.held = null;
      held.forEach((replay) => replay());
      return result;
    } catch (err) {
      this.unsubscribe();
      this.held = null;
      this.setState('idle');
      throw err;
    }
  }

  /** Sends these tracks to the other side, now or as soon as there is a peer connection. */
  addLocalStream(stream: MediaStream): void {
    this.stream = stream;
    this.link?.addStream(stream);
  }

  /** Clinician: lets the waiting patient in. Both sides then get `peer-joined`. */
  async admit(): Promise<void> {
    await this.socket.request('session.admit', { appointmentId: this.appointmentId });
    this.setWaiting(null);
  }

  /** Leaves; the visit goes on without us and we may join again later. */
  async leave(): Promise<void> {
    if (TERMINAL.has(this.current)) {
      return;
    }
    if (this.link) {
      // Lets the other side drop its connection now rather than when the server's notice comes.
      this.sendSignal({ type: 'bye', payload: {} });
    }
    const left = this.socket.request('session.leave', { appointmentId: this.appointmentId });
    this.finish('left');
    await left;
  }

  /** Clinician: ends the visit for both sides (the appointment becomes completed). */
  async end(): Promise<void> {
    await this.socket.request('session.end', { appointmentId: this.appointmentId });
    this.finish('ended');
  }

  private subscribe(): void {
    this.listen('session.waiting', (d) => this.setWaiting(d.patient ?? null));
    this.listen('session.peer-joined', (d) => this.onPeerJoined(d));
    this.listen('session.peer-left', (d) => this.onPeerLeft(d));
    this.listen('session.peer-reconnecting', (d) => this.emit('peer-reconnecting', d));
    this.listen('session.peer-reconnected', (d) => {
      // Our side's addresses may be fine, the other side's have likely changed.
      this.link?.restartIce();
      this.emit('peer-reconnected', d);
    });
    this.listen('session.ended', () => this.finish('ended'));
    this.listen('session.replaced', () => this.finish('replaced'));
    this.listen('session.ice-servers', (d) => this.applyIceServers(d.iceServers));
    this.listen('signal', (d) => this.onSignal(d));
    this.listen('rejoined', (d) => this.onRejoined(d.result));
    this.listen('rejoin-failed', () => this.finish('ended'));
    this.subscriptions.push(
      this.socket.on('disconnected', (d) => {
        if (!d.willReconnect) {
          this.finish('ended');
        }
      }),
    );
  }

  private listen<E extends VisitEventName>(
    event: E,
    handler: (data: SocketEvents[E]) => void,
  ): void {
    const off = this.socket.on(event, (data) => {
      if (data.appointmentId !== this.appointmentId || TERMINAL.has(this.current)) {
        return;
      }
      if (this.held) {
        this.held.push(() => handler(data));
      } else {
        handler(data);
      }
    });
    this.subscriptions.push(off);
  }

  private unsubscribe(): void {
    this.subscriptions.forEach((off) => off());
    this.subscriptions = [];
  }

  private applyJoin(result: SessionJoinResult): void {
    this.myRole = result.role;
    this.isPolite = result.polite;
    this.iceServers = result.iceServers;
    const other = result.participants.find((p) => p.role !== result.role);
    if (other && other.state !== 'waiting') {
      this.otherParty = toPeer(other);
    }
    if (result.role === 'clinician') {
      this.setWaiting(other?.state === 'waiting' ? toPeer(other) : null);
    }
    this.setState(result.state === 'waiting' ? 'waiting' : this.inCallState());
  }

  /**
   * After a reconnect. If the seat was held, the peer connection lives on (media may never have
   * stopped). If not, the other side was told we left and has closed its end: close ours and wait
   * for `peer-joined`, as after a first join.
   */
  private onRejoined(result: SessionJoinResult): void {
    if (result.resumed) {
      // The server queues only signals for an absent participant: a peer that left meanwhile
      // shows only as missing from the ack.
      const other = result.participants.find((p) => p.role !== result.role);
      if (!other || other.state === 'waiting') {
        this.closePeerConnection();
        this.otherParty = null;
      }
      this.applyJoin(result);
      this.applyIceServers(result.iceServers);
      return;
    }
    this.closePeerConnection();
    this.otherParty = null;
    this.applyJoin(result);
  }

  /** Sent when both sides are in: any connection we still hold belongs to an earlier meeting. */
  private onPeerJoined(d: ServerEvents['session.peer-joined']): void {
    this.otherParty = { userId: d.userId, role: d.role, displayName: d.displayName };
    if (this.myRole === 'clinician') {
      this.setWaiting(null);
    }
    this.closePeerConnection();
    this.openPeerConnection();
    // For a waiting patient this is the moment of admission.
    this.setState(this.inCallState());
    this.emit('peer-joined', this.otherParty);
  }

  private onPeerLeft(d: ServerEvents['session.peer-left']): void {
    if (this.waitingPatient?.userId === d.userId) {
      this.setWaiting(null);
    }
    if (this.otherParty?.userId === d.userId) {
      this.otherParty = null;
      this.closePeerConnection();
    }
    this.updateState();
    this.emit('peer-left', { userId: d.userId, reason: d.reason });
  }

  private onSignal(d: ServerEvents['signal']): void {
    if (this.current !== 'admitted' && this.current !== 'connected') {
      return;
    }
    if (d.type === 'bye') {
      // Handled on arrival, so whatever follows goes to the next connection, not this one.
      this.closePeerConnection();
      this.updateState();
      return;
    }
    // An offer without a connection: the other side started before our `peer-joined` arrived.
    const link = this.link ?? (d.type === 'offer' ? this.openPeerConnection() : null);
    if (!link) {
      return;
    }
    link.receive(d);
  }

  private openPeerConnection(): PeerLink {
    const link = new PeerLink({
      PeerConnection: this.PeerConnection,
      configuration: this.configuration(),
      polite: this.isPolite,
      send: (message) => this.sendSignal(message),
    });
    this.link = link;
    link.on('track', (event) => this.emit('track', event));
    link.on('datachannel', (channel) => this.exposeChannel(channel));
    link.on('connectionstatechange', (state) => {
      this.emit('connectionstatechange', state);
      this.updateState();
    });
    link.on('error', (err) => this.emit('error', err));
    if (this.stream) {
      link.addStream(this.stream);
    }
    if (this.options.dataChannel !== undefined && !this.isPolite) {
      this.exposeChannel(link.pc.createDataChannel(this.options.dataChannel));
    }
    return link;
  }

  private sendSignal(message: SignalMessage): void {
    this.socket.send('signal', { appointmentId: this.appointmentId, ...message });
  }

  private exposeChannel(channel: RTCDataChannel): void {
    this.channel = channel;
    this.emit('datachannel', channel);
  }

  private configuration(): RTCConfiguration {
    const configuration: RTCConfiguration = { iceServers: this.iceServers };
    if (this.options.iceTransportPolicy) {
      configuration.iceTransportPolicy = this.options.iceTransportPolicy;
    }
    return configuration;
  }

  /** TURN credentials expire: a long visit gets fresh ones, used by the next ICE gathering. */
  private applyIceServers(iceServers: RTCIceServer[]): void {
    this.iceServers = iceServers;
    this.link?.setConfiguration(this.configuration());
  }

  private closePeerConnection(): void {
    this.link?.close();
    this.link = null;
    this.channel = null;
  }

  private finish(state: 'left' | 'ended' | 'replaced'): void {
    if (TERMINAL.has(this.current)) {
      return;
    }
    this.unsubscribe();
    this.closePeerConnection();
    this.setWaiting(null);
    this.setState(state);
  }

  /** Follows the peer connection while in the visit; other states are left alone. */
  private updateState(): void {
    if (this.current === 'admitted' || this.current === 'connected') {
      this.setState(this.inCallState());
    }
  }

  private inCallState(): 'admitted' | 'connected' {
    return this.link?.connected ? 'connected' : 'admitted';
  }

  private setWaiting(patient: { userId: string; displayName: string } | null): void {
    if (patient?.userId !== this.waitingPatient?.userId) {
      this.waitingPatient = patient
        ? { userId: patient.userId, displayName: patient.displayName }
        : null;
      this.emit('waiting', this.waitingPatient);
    }
  }

  private setState(state: CallState): void {
    if (state !== this.current) {
      this.current = state;
      this.emit('state', state);
    }
  }
}

function toPeer(participant: Participant): Peer {
  return {
    userId: participant.userId,
    role: participant.role,
    displayName: participant.displayName,
  };
}
