/**
 * Idle sockets: opens `count` sockets and holds them (answering pings) until stdin closes. The
 * sockets come from several loopback addresses, so ephemeral ports never run out.
 */
import { inBatches, input, LoadSocket, wsUrl } from './ws-client';

interface Input {
  url: string;
  path: string;
  tokens: string[];
  count: number;
}

const config = input<Input>();

async function main() {
  const sockets: LoadSocket[] = [];
  let failed = 0;
  await inBatches(
    Array.from({ length: config.count }, (_, i) => i),
    100,
    async (i) => {
      try {
        sockets.push(
          await LoadSocket.open(wsUrl(config.url, config.path), {
            token: config.tokens.length ? config.tokens[i % config.tokens.length] : undefined,
            localAddress: `127.0.0.${2 + (i % 8)}`,
          }),
        );
      } catch {
        failed += 1;
      }
    },
  );
  process.stdout.write(`${JSON.stringify({ opened: sockets.length, failed })}\n`);
  process.stdin.resume();
  process.stdin.on('end', () => {
    sockets.forEach((socket) => socket.ws.terminate());
    process.exit(0);
  });
}

void main();
