import type { Peer } from './call-roster.js';
import type { PeerConnectionClass } from './peer-link.js';
import type { PeerLeftReason, WaitingParticipant } from './protocol.js';

export type CallState =
  | 'idle'
  | 'joining'
  /** In the waiting room until the host clinician admits us. */
  | 'waiting'
  /** In the visit; no peer connection is (or is any longer) connected. */
  | 'admitted'
  /** In the visit, with media flowing to at least one other participant. */
  | 'connected'
  | 'left'
  | 'ended'
  /** The host removed us (guests). */
  | 'removed'
  /** Another device of the same user took the visit over. */
  | 'replaced';

export interface VisitCallOptions {
  /** Defaults to the browser's; Node passes `@roamhq/wrtc`'s. */
  RTCPeerConnection?: PeerConnectionClass;
  /** `relay` forces media through TURN (to test the relay, or to hide addresses). */
  iceTransportPolicy?: RTCIceTransportPolicy;
  /** Label of a data channel the impolite side of each pair opens; both get it as `datachannel`. */
  dataChannel?: string;
  joinTimeoutMs?: number;
  /** Our user id, to tell us apart in the join ack; needed when someone shares our role. */
  userId?: string;
}

export interface VisitCallEvents {
  state: CallState;
  /** A track from any peer; `peer-track` says whose. */
  track: RTCTrackEvent;
  'peer-track': { userId: string; event: RTCTrackEvent };
  /** Of any peer connection; `peer-connection` says whose. */
  connectionstatechange: RTCPeerConnectionState;
  'peer-connection': { userId: string; state: RTCPeerConnectionState };
  datachannel: RTCDataChannel;
  /** Clinician only: the patient waits to be admitted, or no longer does (null). */
  waiting: { userId: string; displayName: string } | null;
  /** Clinician only: everyone in the waiting room, the patient first. */
  'waiting-room': WaitingParticipant[];
  'peer-joined': Peer;
  'peer-left': { userId: string; reason: PeerLeftReason };
  'peer-reconnecting': { userId: string };
  'peer-reconnected': { userId: string };
  /** A negotiation step failed; the call goes on and may recover (ICE restart, new offer). */
  error: Error;
}
