/**
 * One load generator for every signaling server: each server's own wire protocol behind the same
 * two calls (send a signal to the other side, be told of one), so Televisit and its peers are
 * driven alike. Televisit does its full work (token check, socket row, presence, join, admit);
 * the peers do what they do.
 */
import { randomBytes } from 'node:crypto';
import { WebSocket } from 'ws';
import { CallVisit, inCall, LoadSocket, wsUrl } from './ws-client';

export type Peer = 'televisit' | 'peerjs' | 'socketio' | 'bare';

export interface Wire {
  send(payload: object): void;
  onSignal: (payload: any) => void;
  close(): void;
}

export interface WirePair {
  patient: Wire;
  clinician: Wire;
}

/** A plain WebSocket, open and ready by the server's own handshake. */
function openSocket(url: string, ready: (ws: WebSocket, text: string) => boolean) {
  const ws = new WebSocket(url, { perMessageDeflate: false });
  return new Promise<WebSocket>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`not ready after 30 s: ${url}`)), 30_000);
    const early = (raw: Buffer) => {
      if (ready(ws, raw.toString('utf8'))) {
        clearTimeout(timer);
        ws.off('message', early);
        resolve(ws);
      }
    };
    ws.on('message', early);
    ws.once('error', reject);
    ws.once('unexpected-response', (_req, res) =>
      reject(new Error(`upgrade refused: ${res.statusCode}`)),
    );
  });
}

/** A socket of `peer`, up and ready to relay (for the set-up measure: one client alone). */
export async function openClient(peer: Peer, url: string, token?: string): Promise<WebSocket> {
  switch (peer) {
    case 'televisit':
      return (await LoadSocket.open(wsUrl(url, '/ws'), { token })).ws;
    case 'bare':
      return (await LoadSocket.open(wsUrl(url, `/?room=${randomBytes(6).toString('hex')}`))).ws;
    case 'peerjs':
      return (await peerjsClient(url, randomBytes(8).toString('hex'))).ws;
    case 'socketio':
      return socketioClient(url, randomBytes(6).toString('hex'), () => undefined);
  }
}

export async function openPair(peer: Peer, url: string, visit: CallVisit): Promise<WirePair> {
  switch (peer) {
    case 'televisit': {
      const { patient, clinician } = await inCall(visit, url);
      return { patient: televisitWire(patient, visit), clinician: televisitWire(clinician, visit) };
    }
    case 'bare': {
      const query = `/?room=${visit.appointmentId}`;
      const patient = await LoadSocket.open(wsUrl(url, query));
      const clinician = await LoadSocket.open(wsUrl(url, query));
      return { patient: televisitWire(patient, visit), clinician: televisitWire(clinician, visit) };
    }
    case 'peerjs': {
      // Fresh ids each time: an earlier round's may not be released yet (ID-TAKEN).
      const run = randomBytes(4).toString('hex');
      const ids = {
        patient: `${visit.appointmentId}-${run}-p`,
        clinician: `${visit.appointmentId}-${run}-c`,
      };
      const patient = await peerjsClient(url, ids.patient);
      const clinician = await peerjsClient(url, ids.clinician);
      return { patient: patient.to(ids.clinician), clinician: clinician.to(ids.patient) };
    }
    case 'socketio': {
      const patient = socketioWire(url, visit.appointmentId);
      const clinician = socketioWire(url, visit.appointmentId);
      return { patient: await patient, clinician: await clinician };
    }
  }
}

/** Televisit's frames; the bare relay carries the very same bytes untouched. */
function televisitWire(socket: LoadSocket, visit: CallVisit): Wire {
  const wire: Wire = {
    send: (payload) =>
      socket.send(
        JSON.stringify({
          event: 'signal',
          data: { appointmentId: visit.appointmentId, type: 'ice-candidate', payload },
        }),
      ),
    onSignal: () => undefined,
    close: () => socket.ws.close(),
  };
  socket.onFrame = (frame) => {
    if (frame.event === 'signal') {
      wire.onSignal(frame.data.payload);
    }
  };
  return wire;
}

/** PeerJS: OPEN on connect, then `{type, dst, payload}` out and `{type, src, dst, payload}` in. */
async function peerjsClient(url: string, id: string) {
  const token = randomBytes(8).toString('hex');
  const ws = await openSocket(
    wsUrl(url, `/peerjs?key=peerjs&id=${id}&token=${token}`),
    (_ws, text) => (JSON.parse(text) as { type: string }).type === 'OPEN',
  );
  return {
    ws,
    to(dst: string): Wire {
      const wire: Wire = {
        send: (payload) => ws.send(JSON.stringify({ type: 'CANDIDATE', dst, payload })),
        onSignal: () => undefined,
        close: () => ws.close(),
      };
      ws.on('message', (raw: Buffer) => {
        const message = JSON.parse(raw.toString('utf8')) as { type: string; payload: unknown };
        if (message.type === 'CANDIDATE') {
          wire.onSignal(message.payload);
        }
      });
      return wire;
    },
  };
}

/**
 * socket.io's protocol over a plain WebSocket: engine.io's open packet (`0{…}`), the client's
 * namespace connect (`40`) answered `40{…}`, pings (`2`) answered `3`, events as `42[name, data]`.
 */
function socketioClient(url: string, room: string, onEvent: (data: unknown) => void) {
  return openSocket(
    wsUrl(url, `/socket.io/?EIO=4&transport=websocket&room=${room}`),
    (ws, text) => {
      if (text.startsWith('0')) {
        ws.send('40');
        ws.on('message', (raw: Buffer) => {
          const packet = raw.toString('utf8');
          if (packet === '2') {
            ws.send('3');
          } else if (packet.startsWith('42')) {
            onEvent((JSON.parse(packet.slice(2)) as [string, unknown])[1]);
          }
        });
        return false;
      }
      return text.startsWith('40');
    },
  );
}

async function socketioWire(url: string, room: string): Promise<Wire> {
  const wire: Wire = { send: () => undefined, onSignal: () => undefined, close: () => undefined };
  const ws = await socketioClient(url, room, (data) => wire.onSignal(data));
  wire.send = (payload) => ws.send(`42${JSON.stringify(['signal', payload])}`);
  wire.close = () => ws.close();
  return wire;
}
