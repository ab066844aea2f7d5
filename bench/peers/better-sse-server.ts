/**
 * The better-sse peer's server process: one better-sse `Channel`, subscribers at `GET /sub`, publishes at
 * `POST /publish` with a JSON body `{"data": "<string>"}` broadcast as-is. Prints `listening <port>` once
 * ready. Run as its own process so its RSS and CPU time are measured alone.
 * @module
 */
import { createServer } from 'node:http';
import { createChannel, createSession } from 'better-sse';

// Send the payload string as-is: the default serializer would JSON-encode it a second time.
const serializer = (data: unknown): string => String(data);
const channel = createChannel();

const server = createServer((req, res) => {
  if (req.method === 'GET' && req.url?.startsWith('/sub')) {
    createSession(req, res, { serializer, keepAlive: null }).then(
      (session) => channel.register(session),
      () => res.destroy(),
    );
    return;
  }
  if (req.method === 'POST' && req.url === '/publish') {
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
      channel.broadcast(data);
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
