/**
 * Baseline: the least a relay can do. Sockets join a room by query string (?room=…); every text
 * frame is forwarded untouched to the other socket of the room. No auth, no parsing.
 */
import { createServer } from 'node:http';
import { WebSocket, WebSocketServer } from 'ws';

const rooms = new Map<string, WebSocket[]>();
const server = createServer((_req, res) => res.writeHead(404).end());
const wss = new WebSocketServer({ server, perMessageDeflate: false, maxPayload: 64 * 1024 });

wss.on('connection', (ws, request) => {
  const room = new URL(request.url ?? '/', 'http://x').searchParams.get('room') ?? '';
  const members = rooms.get(room) ?? [];
  members.push(ws);
  rooms.set(room, members);
  ws.on('message', (data, isBinary) => {
    const other = members[0] === ws ? members[1] : members[0];
    other?.send(data, { binary: isBinary });
  });
  ws.on('close', () => {
    members.splice(members.indexOf(ws), 1);
    if (members.length === 0) {
      rooms.delete(room);
    }
  });
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
});
