/// <reference lib="dom" />
import { PeerMesh } from '../../client/peer-mesh';
import type { SignalMessage } from '../../client/protocol';

/** Just enough of an RTCPeerConnection to see which descriptions each connection was given. */
class FakePeerConnection {
  static made: FakePeerConnection[] = [];
  readonly remote: string[] = [];
  signalingState = 'stable';
  connectionState = 'new';
  closed = false;
  constructor(readonly configuration?: RTCConfiguration) {
    FakePeerConnection.made.push(this);
  }
  addEventListener(): void {}
  getSenders() {
    return [];
  }
  addTrack(): void {}
  createDataChannel(label: string) {
    return { label };
  }
  setRemoteDescription(d: { type: string; sdp?: string }) {
    this.remote.push(`${d.type}:${d.sdp}`);
    this.signalingState = d.type === 'offer' ? 'have-remote-offer' : 'stable';
    return Promise.resolve();
  }
  setLocalDescription() {
    this.signalingState = 'stable';
    return Promise.resolve();
  }
  get localDescription() {
    return { type: 'answer', sdp: 'mine' };
  }
  addIceCandidate() {
    return Promise.resolve();
  }
  close(): void {
    this.closed = true;
  }
}

const offer = (sdp: string): SignalMessage => ({ type: 'offer', payload: { type: 'offer', sdp } });
const flush = () => new Promise((resolve) => setTimeout(resolve, 10));

describe('PeerMesh (one peer connection per other participant)', () => {
  let sent: Array<{ to: string; type: string }>;
  let mesh: PeerMesh;
  beforeEach(() => {
    FakePeerConnection.made = [];
    sent = [];
    mesh = new PeerMesh({
      PeerConnection: FakePeerConnection as unknown as typeof RTCPeerConnection,
      send: (to, message) => sent.push({ to, type: message.type }),
    });
    mesh.setIceServers([{ urls: 'stun:example.test' }], false);
  });

  it('keeps a connection per participant and addresses each answer to its sender', async () => {
    mesh.receive('a', offer('from-a'), true);
    mesh.receive('b', offer('from-b'), false);
    await flush();
    expect(mesh.peers).toEqual(['a', 'b']);
    expect(FakePeerConnection.made.map((pc) => pc.remote)).toEqual([
      ['offer:from-a'],
      ['offer:from-b'],
    ]);
    expect(sent).toEqual([
      { to: 'a', type: 'answer' },
      { to: 'b', type: 'answer' },
    ]);
    expect(FakePeerConnection.made[0].configuration?.iceServers).toEqual([
      { urls: 'stun:example.test' },
    ]);
  });

  it('holds the offer of someone not known yet and applies it once they are', async () => {
    mesh.receive('late', offer('early-offer'), undefined);
    mesh.receive('late', { type: 'ice-candidate', payload: null }, undefined);
    expect(FakePeerConnection.made).toHaveLength(0);
    mesh.open('late', true);
    await flush();
    expect(FakePeerConnection.made[0].remote).toEqual(['offer:early-offer']);
  });

  it('drops candidates with no connection and no offer before them', () => {
    mesh.receive('x', { type: 'ice-candidate', payload: null }, undefined);
    mesh.receive('y', { type: 'ice-candidate', payload: null }, true);
    mesh.open('x', true);
    expect(FakePeerConnection.made).toHaveLength(1);
    expect(mesh.peers).toEqual(['x']);
  });

  it('closes only the connection of whoever says bye, and says bye to all on leaving', () => {
    mesh.open('a', true);
    mesh.open('b', true);
    mesh.receive('a', { type: 'bye', payload: {} }, true);
    expect(FakePeerConnection.made.map((pc) => pc.closed)).toEqual([true, false]);
    expect(mesh.peers).toEqual(['b']);
    mesh.sayBye();
    expect(sent).toEqual([{ to: 'b', type: 'bye' }]);
  });

  it('opens a data channel only on the impolite side of a pair', () => {
    const withChannel = new PeerMesh({
      PeerConnection: FakePeerConnection as unknown as typeof RTCPeerConnection,
      dataChannel: 'chat',
      send: () => undefined,
    });
    const channels: string[] = [];
    withChannel.on('datachannel', ({ userId }) => channels.push(userId));
    withChannel.open('polite-toward', true);
    withChannel.open('impolite-toward', false);
    expect(channels).toEqual(['impolite-toward']);
  });
});
