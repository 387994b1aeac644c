/**
 * Baseline: a room relay written the way socket.io's documentation shows it. A client joins the
 * room named in its handshake query (`?room=…`); every `signal` event goes to the others in the
 * room. No auth, no database. Clients speak its wire protocol over a plain WebSocket
 * (`/socket.io/?EIO=4&transport=websocket`).
 */
import { createServer } from 'node:http';
import { Server } from 'socket.io';

const server = createServer((_req, res) => res.writeHead(404).end());
const io = new Server(server, { transports: ['websocket'], perMessageDeflate: false });

io.on('connection', (socket) => {
  const room = String(socket.handshake.query.room ?? '');
  void socket.join(room);
  socket.on('signal', (data: unknown) => socket.to(room).emit('signal', data));
});

server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
});
