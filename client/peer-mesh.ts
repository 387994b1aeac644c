import { PeerLink, type PeerConnectionClass } from './peer-link.js';
import type { SignalMessage } from './protocol.js';
import { TypedEmitter } from './typed-emitter.js';

export interface PeerMeshOptions {
  PeerConnection: PeerConnectionClass;
  /** `relay` forces media through TURN (to test the relay, or to hide addresses). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Label of a data channel the impolite side of each pair opens. */
  dataChannel?: string;
  send: (to: string, message: SignalMessage) => void;
}

export interface PeerMeshEvents {
  track: { userId: string; event: RTCTrackEvent };
  datachannel: { userId: string; channel: RTCDataChannel };
  connectionstatechange: { userId: string; state: RTCPeerConnectionState };
  error: Error;
}

/** Signals from someone we have not heard of yet, kept until we do (bounded). */
const MAX_HELD_PER_SENDER = 200;
const MAX_HELD_SENDERS = 8;

/**
 * The media of a visit of more than two is a mesh (PRODUCT §9): one PeerLink per other admitted
 * participant, each negotiated on its own with the politeness of that pair, signals addressed
 * to it (`to`) and told apart by sender (`from`).
 */
export class PeerMesh extends TypedEmitter<PeerMeshEvents> {
  private readonly links = new Map<string, PeerLink>();
  private readonly held = new Map<string, SignalMessage[]>();
  private stream: MediaStream | null = null;
  private iceServers: RTCIceServer[] = [];

  constructor(private readonly options: PeerMeshOptions) {
    super();
  }

  get(userId: string): PeerLink | undefined {
    return this.links.get(userId);
  }

  get peers(): string[] {
    return [...this.links.keys()];
  }

  /** Media flows with at least one of them. */
  get anyConnected(): boolean {
    return [...this.links.values()].some((link) => link.connected);
  }

  addStream(stream: MediaStream): void {
    this.stream = stream;
    this.links.forEach((link) => link.addStream(stream));
  }

  /**
   * A fresh connection to `userId`, replacing any earlier one (which belongs to an earlier
   * meeting); signals held for them are applied to it, in order.
   */
  open(userId: string, polite: boolean): PeerLink {
    const held = this.held.get(userId) ?? [];
    this.close(userId);
    const link = new PeerLink({
      PeerConnection: this.options.PeerConnection,
      configuration: this.configuration(),
      polite,
      send: (message) => this.options.send(userId, message),
    });
    this.links.set(userId, link);
    link.on('track', (event) => this.emit('track', { userId, event }));
    link.on('datachannel', (channel) => this.emit('datachannel', { userId, channel }));
    link.on('connectionstatechange', (state) =>
      this.emit('connectionstatechange', { userId, state }),
    );
    link.on('error', (err) => this.emit('error', err));
    if (this.stream) {
      link.addStream(this.stream);
    }
    if (this.options.dataChannel !== undefined && !polite) {
      const channel = link.pc.createDataChannel(this.options.dataChannel);
      this.emit('datachannel', { userId, channel });
    }
    held.forEach((signal) => link.receive(signal));
    return link;
  }

  /**
   * A signal from `from`. `polite` is our role toward them when they are known to be in the
   * visit, undefined when not (yet): their offer may come before the news that they joined.
   */
  receive(from: string, signal: SignalMessage, polite: boolean | undefined): void {
    if (signal.type === 'bye') {
      // Handled on arrival, so whatever follows goes to the next connection, not this one.
      this.close(from);
      return;
    }
    const link = this.links.get(from);
    if (link) {
      link.receive(signal);
    } else if (polite === undefined) {
      this.hold(from, signal);
    } else if (signal.type === 'offer') {
      // They started before our news of them arrived, or after we came back: answer it.
      this.open(from, polite).receive(signal);
    }
  }

  restartIce(userId: string): void {
    this.links.get(userId)?.restartIce();
  }

  /** From the join ack; TURN credentials expire, so a long visit gets fresh ones (next gathering). */
  setIceServers(iceServers: RTCIceServer[], applyNow: boolean): void {
    this.iceServers = iceServers;
    if (applyNow) {
      this.links.forEach((link) => link.setConfiguration(this.configuration()));
    }
  }

  /** Tells every other side we are going, so they drop their ends now. */
  sayBye(): void {
    this.peers.forEach((userId) => this.options.send(userId, { type: 'bye', payload: {} }));
  }

  /** Closes the connection to `userId` and forgets what was held for them. */
  close(userId: string): void {
    this.links.get(userId)?.close();
    this.links.delete(userId);
    this.held.delete(userId);
  }

  closeAll(): void {
    this.peers.forEach((userId) => this.close(userId));
    this.held.clear();
  }

  private configuration(): RTCConfiguration {
    const configuration: RTCConfiguration = { iceServers: this.iceServers };
    if (this.options.iceTransportPolicy) {
      configuration.iceTransportPolicy = this.options.iceTransportPolicy;
    }
    return configuration;
  }

  private hold(from: string, signal: SignalMessage): void {
    const list = this.held.get(from);
    if (list) {
      if (list.length < MAX_HELD_PER_SENDER) {
        list.push(signal);
      }
    } else if (this.held.size < MAX_HELD_SENDERS && signal.type === 'offer') {
      // Candidates before an offer belong to a negotiation we missed the start of.
      this.held.set(from, [signal]);
    }
  }
}
