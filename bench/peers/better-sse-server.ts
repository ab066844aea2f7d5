/**
 * The better-sse peer's server process: one better-sse `Channel` per topic, subscribers at `GET /sub` (or
 * `GET /sub/<topic>`), publishes at `POST /publish` (or `POST /publish/<topic>`) with a JSON body
 * `{"data": "<string>"}` broadcast as-is. Prints `listening <port>` once ready. Run as its own process so
 * its RSS and CPU time are measured alone.
 * @module
 */
import { createServer } from 'node:http';
import { type Channel, createChannel, createSession } from 'better-sse';

// Send the payload string as-is: the default serializer would JSON-encode it a second time.
const serializer = (data: unknown): string => String(data);
const channels = new Map<string, Channel>();

function channelOf(path: string, prefix: string): Channel {
  const name = path.slice(prefix.length + 1);
  let channel = channels.get(name);
  if (channel === undefined) {
    channel = createChannel();
    channels.set(name, channel);
  }
  return channel;
}

const server = createServer((req, res) => {
  const path = req.url?.split('?')[0] ?? '/';
  if (req.method === 'GET' && (path === '/sub' || path.startsWith('/sub/'))) {
    createSession(req, res, { serializer, keepAlive: null }).then(
      (session) => channelOf(path, '/sub').register(session),
      () => res.destroy(),
    );
    return;
  }
  if (req.method === 'POST' && (path === '/publish' || path.startsWith('/publish/'))) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let data: unknown;
      try {
        data = (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { data?: unknown }).data;
      } catch {
        data = undefined;
      }
      if (typeof data !== 'string') {
        res.writeHead(400).end('expected {"data": string}');
        return;
      }
      channelOf(path, '/publish').broadcast(data);
      res.writeHead(204).end();
    });
    return;
  }
  res.writeHead(req.method === 'HEAD' ? 200 : 404).end();
});

server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  if (typeof address === 'object' && address) process.stdout.write(`listening ${address.port}\n`);
});
process.on('SIGTERM', () => {
  server.closeAllConnections();
  server.close(() => process.exit(0));
});
