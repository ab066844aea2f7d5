/**
 * What every benchmark peer returns, and helpers shared by the peers.
 * @module
 */
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';

/** A running comparison server. */
export interface Peer {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string;
  /** The process that serves subscribers (measured by the load generator). */
  pid: number;
  /** Every process that serves subscribers, when there are several (RSS and CPU are then summed). */
  pids?: number[];
  /** Stops the server and removes its temp files. */
  stop(): Promise<void>;
}

/** A free TCP port on 127.0.0.1 (for servers that cannot listen on port 0 and report it, like nginx). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/** Polls `url` until it answers with any HTTP status, or throws after `timeoutMs`. */
export async function waitUntilAnswering(
  url: string,
  timeoutMs = 10_000,
  isAlive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    if (!isAlive()) throw new Error(`server for ${url} exited before answering`);
    try {
      const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(1000) });
      await res.body?.cancel();
      return;
    } catch (error) {
      last = error;
      await sleep(50);
    }
  }
  throw new Error(`${url} did not answer within ${timeoutMs} ms`, { cause: last });
}
