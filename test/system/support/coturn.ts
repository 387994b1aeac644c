import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import { freePort } from '../../support/free-port';

export interface RunningTurn {
  url: string;
  secret: string;
  stop(): Promise<void>;
}

/**
 * Starts Debian's coturn on loopback with `use-auth-secret`, the TURN REST API scheme whose
 * credentials the join ack carries. Loopback peers are allowed because both test peers live here.
 */
export async function startCoturn(): Promise<RunningTurn> {
  const port = await freePort();
  const secret = `turn-secret-${Math.random().toString(36).slice(2)}`;
  const turn: ChildProcess = spawn(
    'turnserver',
    [
      '--listening-ip=127.0.0.1',
      '--relay-ip=127.0.0.1',
      `--listening-port=${port}`,
      '--min-port=49152',
      '--max-port=49300',
      '--use-auth-secret',
      `--static-auth-secret=${secret}`,
      '--realm=televisit.test',
      '--allow-loopback-peers',
      '--no-tls',
      '--no-dtls',
      '--no-cli',
      '--fingerprint',
      '--no-stdout-log',
    ],
    { stdio: 'ignore' },
  );
  let exited: string | undefined;
  turn.on('exit', (code) => (exited = `coturn exited with ${code}`));
  // Ready when it answers a STUN Binding request (it logs to /var/log, not stdout).
  for (let attempt = 0; !(await answersStun(port)); attempt += 1) {
    if (exited || attempt > 50) {
      turn.kill('SIGKILL');
      throw new Error(exited ?? 'coturn did not answer STUN within 15 s');
    }
    await new Promise((resolve) => setTimeout(resolve, 300));
  }
  return {
    url: `turn:127.0.0.1:${port}?transport=udp`,
    secret,
    stop: () =>
      new Promise<void>((resolve) => {
        turn.removeAllListeners('exit');
        turn.once('exit', () => resolve());
        turn.kill('SIGTERM');
      }),
  };
}

/** Sends a STUN Binding request (RFC 5389) and waits briefly for any answer. */
function answersStun(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const request = Buffer.concat([
      Buffer.from([0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xa4, 0x42]),
      randomBytes(12),
    ]);
    const done = (answered: boolean) => {
      clearTimeout(timer);
      socket.close();
      resolve(answered);
    };
    const timer = setTimeout(() => done(false), 250);
    socket.once('message', () => done(true));
    socket.once('error', () => done(false));
    socket.send(request, port, '127.0.0.1');
  });
}
