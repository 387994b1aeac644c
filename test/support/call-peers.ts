/// <reference lib="dom" />
import wrtc from '@roamhq/wrtc';
import { WebSocket } from 'ws';
import { TelevisitSocket } from '../../client/televisit-socket';
import { CallState, VisitCall, VisitCallOptions } from '../../client/visit-call';
import type { TestUser } from './factories';

export interface CallPeer {
  socket: TelevisitSocket;
  call: VisitCall;
}

/**
 * A real WebRTC endpoint in Node (`@roamhq/wrtc`) driven by the reference client, exactly as a
 * client app would use it: a TelevisitSocket to the gateway and a VisitCall on top.
 */
export async function openCallPeer(
  baseUrl: string,
  user: TestUser,
  appointmentId: string,
  options: VisitCallOptions = {},
): Promise<CallPeer> {
  const socket = new TelevisitSocket({
    url: `${baseUrl.replace(/^http/, 'ws')}/ws`,
    token: () => user.token,
    tokenIn: 'header',
    WebSocket: WebSocket,
    reconnect: false,
  });
  await socket.connect();
  const call = new VisitCall(socket, appointmentId, {
    RTCPeerConnection: wrtc.RTCPeerConnection,
    ...options,
  });
  return { socket, call };
}

/** Resolves when the call reaches `state` (at once if it is there already). */
export function reachState(call: VisitCall, state: CallState, timeoutMs = 30_000): Promise<void> {
  if (call.state === state) {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`call stayed ${call.state}, never ${state}`)),
      timeoutMs,
    );
    const off = call.on('state', (next) => {
      if (next === state) {
        clearTimeout(timer);
        off();
        resolve();
      }
    });
  });
}

/** The next message on a data channel, once it is open. */
export function nextMessage(channel: RTCDataChannel, timeoutMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no data channel message')), timeoutMs);
    channel.addEventListener(
      'message',
      (event: MessageEvent) => {
        clearTimeout(timer);
        resolve(String(event.data));
      },
      { once: true },
    );
  });
}

export function whenOpen(channel: RTCDataChannel, timeoutMs = 10_000): Promise<void> {
  if (channel.readyState === 'open') {
    return Promise.resolve();
  }
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('data channel never opened')), timeoutMs);
    channel.addEventListener(
      'open',
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
}

/**
 * Closes the peers and stops every track they sent or received: a track left running keeps
 * wrtc's media threads, and with them the test process, alive.
 */
export async function closePeers(...peers: (CallPeer | undefined)[]): Promise<void> {
  for (const peer of peers) {
    const pc = peer?.call.pc;
    pc?.getSenders().forEach((sender) => sender.track?.stop());
    pc?.getReceivers().forEach((receiver) => receiver.track.stop());
    pc?.close();
    peer?.socket.close();
  }
  await new Promise((resolve) => setTimeout(resolve, 50));
}
