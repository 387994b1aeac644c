/// <reference lib="dom" />
import wrtc from '@roamhq/wrtc';
import type { Frame, SignalingClient } from './signaling-client';

/**
 * One participant of a mesh call as a real WebRTC endpoint (`@roamhq/wrtc`) set up only through
 * the gateway: a connection per other participant, opened when `session.peer-joined` names them.
 * Of each pair the impolite one offers (with a data channel); every signal names its recipient.
 */
export class MeshPeer {
  readonly connections = new Map<string, RTCPeerConnection>();
  readonly channels = new Map<string, Promise<RTCDataChannel>>();
  /** Negotiation failures, for the test to show (none expected). */
  readonly errors: unknown[] = [];
  private readonly opened = new Map<string, (channel: RTCDataChannel) => void>();
  /** Frames handled one after another, so a candidate never overtakes its offer. */
  private turn: Promise<void> = Promise.resolve();
  private readonly stop: () => void;

  /** The size of the largest offer this peer sent (its SDP, in characters). */
  largestOfferSent = 0;

  /**
   * `padOffersTo`: offers sent carry unknown SDP attributes up to this many characters (the
   * receiver ignores them), to try the relay with frames past NOTIFY's 8000 bytes.
   */
  constructor(
    readonly client: SignalingClient,
    readonly appointmentId: string,
    private readonly options: { padOffersTo?: number } = {},
  ) {
    this.stop = client.onFrame((frame) => {
      this.turn = this.turn
        .then(() => this.onFrame(frame))
        .catch((error: unknown) => {
          this.errors.push(error);
        });
    });
  }

  /** The data channel with this participant, once open. */
  channelWith(userId: string): Promise<RTCDataChannel> {
    return this.channelPromise(userId);
  }

  close(): void {
    this.stop();
    this.connections.forEach((pc) => pc.close());
  }

  private async onFrame(frame: Frame): Promise<void> {
    if (frame.event === 'session.peer-joined') {
      const { userId, polite } = frame.data as { userId: string; polite?: boolean };
      const pc = this.connectionWith(userId);
      if (polite === false) {
        this.adopt(userId, pc.createDataChannel('mesh'));
        await pc.setLocalDescription(await pc.createOffer());
        const { type, sdp } = pc.localDescription as RTCSessionDescription;
        const padded = withPadding(sdp, this.options.padOffersTo ?? 0);
        this.largestOfferSent = Math.max(this.largestOfferSent, padded.length);
        this.signal(userId, 'offer', { type, sdp: padded });
      }
    } else if (frame.event === 'signal') {
      const { from, type, payload } = frame.data as { from: string; type: string; payload: any };
      const pc = this.connectionWith(from);
      if (type === 'offer') {
        await pc.setRemoteDescription(payload);
        await pc.setLocalDescription(await pc.createAnswer());
        this.signal(from, 'answer', pc.localDescription);
      } else if (type === 'answer') {
        await pc.setRemoteDescription(payload);
      } else if (type === 'ice-candidate' && payload) {
        await pc.addIceCandidate(payload);
      }
    }
  }

  private connectionWith(userId: string): RTCPeerConnection {
    let pc = this.connections.get(userId);
    if (!pc) {
      pc = new wrtc.RTCPeerConnection({ iceServers: [] });
      pc.onicecandidate = ({ candidate }) =>
        candidate && this.signal(userId, 'ice-candidate', candidate.toJSON());
      pc.ondatachannel = ({ channel }) => this.adopt(userId, channel);
      this.connections.set(userId, pc);
    }
    return pc;
  }

  private adopt(userId: string, channel: RTCDataChannel): void {
    const resolve = this.resolver(userId);
    if (channel.readyState === 'open') {
      resolve(channel);
    } else {
      channel.addEventListener('open', () => resolve(channel), { once: true });
    }
  }

  private channelPromise(userId: string): Promise<RTCDataChannel> {
    this.resolver(userId);
    return this.channels.get(userId) as Promise<RTCDataChannel>;
  }

  private resolver(userId: string): (channel: RTCDataChannel) => void {
    if (!this.channels.has(userId)) {
      this.channels.set(userId, new Promise((resolve) => this.opened.set(userId, resolve)));
    }
    return this.opened.get(userId) as (channel: RTCDataChannel) => void;
  }

  private signal(to: string, type: string, payload: unknown): void {
    this.client.send('signal', { appointmentId: this.appointmentId, to, type, payload });
  }
}

/** The SDP with `a=x-pad` lines (ignored by receivers) until it is at least `size` long. */
function withPadding(sdp: string, size: number): string {
  let out = sdp;
  while (out.length < size) {
    out += `a=x-pad:${'x'.repeat(200)}\r\n`;
  }
  return out;
}
