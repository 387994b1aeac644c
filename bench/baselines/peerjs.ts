/**
 * Baseline: the PeerJS server (`peer`), as people run it. Clients connect to
 * /peerjs?key=peerjs&id=…&token=…, get `{type: "OPEN"}`, and send `{type, dst, payload}`; the
 * server forwards each to `dst` with `src` added. No accounts, no rooms, no database.
 */
import { PeerServer } from 'peer';

PeerServer(
  {
    host: '127.0.0.1',
    port: Number(process.env.PORT ?? 0),
    path: '/',
    // Its defaults would refuse the benchmark's crowds, or drop quiet clients mid-run.
    concurrent_limit: 1_000_000,
    alive_timeout: 10 * 60_000,
  },
  (server) => {
    const address = server.address();
    process.stdout.write(`READY ${typeof address === 'object' && address ? address.port : 0}\n`);
  },
);
