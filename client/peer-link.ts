import type { SignalMessage } from './protocol.js';
import { TypedEmitter } from './typed-emitter.js';

export type PeerConnectionClass = new (configuration?: RTCConfiguration) => RTCPeerConnection;

export interface PeerLinkOptions {
  PeerConnection: PeerConnectionClass;
  configuration: RTCConfiguration;
  /** From the join ack: the polite side gives way when both sides offer at once. */
  polite: boolean;
  send: (message: SignalMessage) => void;
}

export interface PeerLinkEvents {
  track: RTCTrackEvent;
  datachannel: RTCDataChannel;
  connectionstatechange: RTCPeerConnectionState;
  /** A negotiation step failed; the link goes on and may recover (ICE restart, new offer). */
  error: Error;
}

/**
 * One RTCPeerConnection and the W3C "perfect negotiation" pattern around it
 * (w3c.github.io/webrtc-pc, §10.7; MDN "Establishing a connection: perfect negotiation"): either
 * side may offer at any time, and a collision is settled by who is polite.
 *
 * A link is used once: when the other side starts over (bye, left, joined again), it is closed
 * and a new one made. After close() it emits nothing more.
 */
export class PeerLink extends TypedEmitter<PeerLinkEvents> {
  readonly pc: RTCPeerConnection;
  private readonly polite: boolean;
  private readonly send: (message: SignalMessage) => void;
  private makingOffer = false;
  private ignoreOffer = false;
  private isSettingRemoteAnswerPending = false;
  /** Settles when the offer being made (if any) has been set locally and sent. */
  private offering: Promise<void> = Promise.resolve();
  /** Incoming signals are applied one after another, in arrival order. */
  private queue: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(options: PeerLinkOptions) {
    super();
    this.polite = options.polite;
    this.send = options.send;
    const pc = new options.PeerConnection(options.configuration);
    this.pc = pc;
    pc.addEventListener('negotiationneeded', () => {
      this.offering = this.makeOffer();
    });
    pc.addEventListener('icecandidate', ({ candidate }) => {
      this.signal({ type: 'ice-candidate', payload: candidate ? candidate.toJSON() : null });
    });
    pc.addEventListener('track', (event) => this.emitOpen('track', event));
    pc.addEventListener('datachannel', (event) => this.emitOpen('datachannel', event.channel));
    pc.addEventListener('connectionstatechange', () => {
      if (pc.connectionState === 'failed' && !this.closed) {
        pc.restartIce();
      }
      this.emitOpen('connectionstatechange', pc.connectionState);
    });
  }

  get connected(): boolean {
    return !this.closed && this.pc.connectionState === 'connected';
  }

  addStream(stream: MediaStream): void {
    const sent = new Set(this.pc.getSenders().map((sender) => sender.track));
    for (const track of stream.getTracks()) {
      if (!sent.has(track)) {
        this.pc.addTrack(track, stream);
      }
    }
  }

  /** Applies an offer, answer or candidate from the other side (`bye` is the owner's business). */
  receive(signal: SignalMessage): void {
    this.queue = this.queue.then(() => this.apply(signal)).catch((err: unknown) => this.fail(err));
  }

  /** New ICE credentials and addresses, e.g. after the other side came back on a new network. */
  restartIce(): void {
    if (!this.closed) {
      this.pc.restartIce();
    }
  }

  /** TURN credentials expire: fresh ones are used from the next ICE gathering on. */
  setConfiguration(configuration: RTCConfiguration): void {
    try {
      this.pc.setConfiguration(configuration);
    } catch (err) {
      this.fail(err);
    }
  }

  close(): void {
    this.closed = true;
    this.pc.close();
  }

  /** The sending half. */
  private async makeOffer(): Promise<void> {
    try {
      this.makingOffer = true;
      if (await setLocalDescription(this.pc)) {
        this.sendDescription();
      }
    } catch (err) {
      this.fail(err);
    } finally {
      this.makingOffer = false;
    }
  }

  /** The receiving half. */
  private async apply(signal: SignalMessage): Promise<void> {
    const { pc } = this;
    if (this.closed) {
      return;
    }
    switch (signal.type) {
      case 'offer':
      case 'answer': {
        const readyForOffer =
          !this.makingOffer &&
          (pc.signalingState === 'stable' || this.isSettingRemoteAnswerPending);
        const offerCollision = signal.type === 'offer' && !readyForOffer;
        this.ignoreOffer = !this.polite && offerCollision;
        if (this.ignoreOffer) {
          return;
        }
        if (offerCollision) {
          await this.rollback();
        }
        this.isSettingRemoteAnswerPending = signal.type === 'answer';
        await pc.setRemoteDescription({ type: signal.type, sdp: signal.payload.sdp });
        this.isSettingRemoteAnswerPending = false;
        if (signal.type === 'offer' && (await setLocalDescription(pc))) {
          this.sendDescription();
        }
        return;
      }
      case 'ice-candidate':
        try {
          await pc.addIceCandidate(signal.payload ?? undefined);
        } catch (err) {
          // Candidates of an offer we ignored cannot apply; anything else is a real failure.
          if (!this.ignoreOffer) {
            throw err;
          }
        }
        return;
      case 'bye':
        return;
    }
  }

  /**
   * The polite side drops its own offer for the other's. Browsers would do this implicitly in
   * setRemoteDescription(offer); Node's libwebrtc binding (@roamhq/wrtc) does not, so it is done
   * explicitly, once our own offer (if one is being made) has been set.
   */
  private async rollback(): Promise<void> {
    await this.offering;
    if (this.pc.signalingState === 'have-local-offer') {
      await this.pc.setLocalDescription({ type: 'rollback' });
    }
  }

  private sendDescription(): void {
    const description = this.pc.localDescription;
    if (description?.type === 'offer' || description?.type === 'answer') {
      this.signal({
        type: description.type,
        payload: { type: description.type, sdp: description.sdp },
      });
    }
  }

  private signal(message: SignalMessage): void {
    if (!this.closed) {
      this.send(message);
    }
  }

  private emitOpen<E extends keyof PeerLinkEvents>(event: E, data: PeerLinkEvents[E]): void {
    if (!this.closed) {
      this.emit(event, data);
    }
  }

  private fail(err: unknown): void {
    // Once closed, failures are expected: closing aborts the operations under way.
    if (!this.closed) {
      this.emit('error', toError(err));
    }
  }
}

/**
 * Browsers pick offer or answer themselves, inside the same operation, so an offer arriving
 * meanwhile cannot get in between. Node's binding (@roamhq/wrtc) still needs the description and
 * throws a TypeError without one: there, a description that the state has overtaken while it was
 * being made is dropped instead (returns false); negotiation-needed fires again if still needed.
 */
async function setLocalDescription(pc: RTCPeerConnection): Promise<boolean> {
  try {
    await pc.setLocalDescription();
    return true;
  } catch (err) {
    // By name: under jest the binding's TypeError comes from another realm than the test's.
    if ((err as { name?: unknown } | null)?.name !== 'TypeError') {
      throw err;
    }
  }
  const expected = pc.signalingState;
  const description =
    expected === 'have-remote-offer' ? await pc.createAnswer() : await pc.createOffer();
  if (pc.signalingState !== expected) {
    return false;
  }
  await pc.setLocalDescription(description);
  return true;
}

export function toError(err: unknown): Error {
  // Not `instanceof`: errors thrown by a native binding may come from another realm.
  const isErrorLike = typeof err === 'object' && err !== null && 'message' in err;
  return isErrorLike ? (err as Error) : new Error(String(err));
}
