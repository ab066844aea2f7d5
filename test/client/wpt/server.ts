/**
 * The web-platform-tests `eventsource/resources/*` handlers, served from node:http with the same paths
 * and query parameters, so that ported tests keep the upstream URLs.
 *
 * Ported from web-platform-tests/wpt `eventsource/resources/` (message.py, message2.py, last-event-id.py,
 * last-event-id2.py, status-error.py, status-reconnect.py, reconnect-fail.py, accept.php,
 * cache-control.event_stream, cors.py, cors-cookie.py, cors-unsafe-last-event-id.py) and
 * `common/redirect.py`. WPT is © web-platform-tests contributors, BSD-3-Clause
 * (https://github.com/web-platform-tests/wpt/blob/master/LICENSE.md). See ./README.md.
 *
 * One handler serves two listeners: the page's origin and a second port that plays WPT's `www2.` /
 * `élève.` host, i.e. a different origin. Handlers find their resource by file stem, so `message.py` and
 * the older `message.php` name the same thing.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface WptServer {
  /** The page's origin, e.g. `http://127.0.0.1:40123`. */
  readonly origin: string;
  /** A second origin served by the same handlers (WPT's cross-origin host). */
  readonly crossOrigin: string;
  close(): Promise<void>;
}

/** The query string as WPT's `request.GET.first` sees it: percent-escapes decode to bytes, not UTF-8 text. */
type Query = Map<string, Buffer>;

interface Exchange {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: Query;
  /** wptserve's `request.server.stash`: state kept between requests, by key. */
  readonly stash: Map<string, string>;
  /** Headers a wrapping handler (cors.py) adds to whatever the inner handler answers. */
  readonly extraHeaders: Record<string, string>;
}

type Handler = (exchange: Exchange) => void;

const EVENT_STREAM = 'text/event-stream';

/** Decodes one `application/x-www-form-urlencoded` component to bytes, keeping bytes that are not UTF-8. */
function decodeComponent(text: string): Buffer {
  const bytes: number[] = [];
  for (let i = 0; i < text.length; i++) {
    const char = text[i]!;
    if (char === '%' && /^[0-9a-fA-F]{2}$/.test(text.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(text.slice(i + 1, i + 3), 16));
      i += 2;
    } else if (char === '+') bytes.push(0x20);
    else bytes.push(...Buffer.from(char, 'utf8'));
  }
  return Buffer.from(bytes);
}

function parseQuery(rawUrl: string): Query {
  const query: Query = new Map();
  const at = rawUrl.indexOf('?');
  if (at === -1) return query;
  for (const pair of rawUrl.slice(at + 1).split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decodeComponent(eq === -1 ? pair : pair.slice(0, eq)).toString('latin1');
    if (!query.has(name)) query.set(name, decodeComponent(eq === -1 ? '' : pair.slice(eq + 1)));
  }
  return query;
}

function param(query: Query, name: string): string | undefined {
  return query.get(name)?.toString('latin1');
}

/** Request cookies, as the browser-like fetch of ./page.ts sends them. */
function cookies(req: IncomingMessage): Map<string, string> {
  const jar = new Map<string, string>();
  for (const part of (req.headers.cookie ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0) jar.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  return jar;
}

/** A request header's bytes (node keeps each byte as one latin1 character). */
function headerBytes(req: IncomingMessage, name: string): Buffer | undefined {
  const value = req.headers[name];
  return typeof value === 'string' ? Buffer.from(value, 'latin1') : undefined;
}

function respond(
  { res, extraHeaders }: Exchange,
  status: number,
  reason: string,
  headers: Record<string, string | string[]>,
  body: string | Buffer,
): void {
  res.writeHead(status, reason, { ...extraHeaders, ...headers });
  res.end(typeof body === 'string' ? Buffer.from(body, 'utf8') : body);
}

/** message.py: `message` (default `data: data`), then `newline` (`none` or a blank line), then one LF. */
const message: Handler = (exchange) => {
  const { query, res } = exchange;
  const mime = param(query, 'mime') || EVENT_STREAM;
  const body = Buffer.concat([
    query.get('message')?.length ? query.get('message')! : Buffer.from('data: data'),
    Buffer.from(param(query, 'newline') === 'none' ? '' : '\n\n'),
    Buffer.from('\n'),
  ]);
  const sleepMs = Number(param(query, 'sleep') ?? '0');
  if (!(sleepMs > 0)) return respond(exchange, 200, 'OK', { 'Content-Type': mime }, body);
  const timer = setTimeout(() => respond(exchange, 200, 'OK', { 'Content-Type': mime }, body), sleepMs);
  res.on('close', () => clearTimeout(timer));
};

/** message2.py: an endless stream repeating one block of valid and bogus fields every two seconds. */
const message2: Handler = ({ res, extraHeaders }) => {
  res.writeHead(200, { ...extraHeaders, 'Content-Type': EVENT_STREAM, 'Cache-Control': 'no-cache' });
  const block = 'data:msg\ndata: msg\n\n:\nfalsefield:msg\n\nfalsefield:msg\nData:data\n\ndata\n\ndata:end\n\n';
  res.write(block);
  const timer = setInterval(() => res.write(block), 2000);
  res.on('close', () => clearInterval(timer));
};

/** last-event-id.py: echoes `Last-Event-ID` as data; without one, sends `id: <idvalue>` (default `…`). */
const lastEventId: Handler = (exchange) => {
  const last = headerBytes(exchange.req, 'last-event-id');
  const body =
    last !== undefined && last.length > 0
      ? Buffer.concat([Buffer.from('data: '), last, Buffer.from('\n\n')])
      : Buffer.concat([
          Buffer.from('id: '),
          exchange.query.get('idvalue') ?? Buffer.from('…'),
          Buffer.from('\nretry: 200\ndata: hello\n\n'),
        ]);
  respond(exchange, 200, 'OK', { 'Content-Type': EVENT_STREAM }, body);
};

/** last-event-id2.py: `type` 1 = the id persists, 2 = it changes and persists, 3 = an empty `id:` resets it. */
const lastEventId2: Handler = (exchange) => {
  const bodies: Record<string, string> = {
    1: 'id: 1\ndata: 1\n\ndata:2\n\n',
    2: 'id: 1\ndata: 1\n\nid: 2\ndata:2\n\ndata:3\n\n',
    3: 'id: 1\ndata: 1\n\nid:\ndata:2\n\ndata:3\n\n',
  };
  const body = bodies[param(exchange.query, 'type') ?? '1'] ?? 'data: invalid_test\n\n';
  respond(exchange, 200, 'OK', { 'Content-Type': EVENT_STREAM }, body);
};

/** status-error.py: answers `status` (default 404) with an event stream; no body on 204 and 205. */
const statusError: Handler = (exchange) => {
  const status = Number(param(exchange.query, 'status') ?? '404');
  const body = status === 204 || status === 205 ? '' : 'data: data\n\n';
  respond(exchange, status, 'HAHAHAHA', { 'Content-Type': EVENT_STREAM }, body);
};

/**
 * status-reconnect.py: the first request gets `status` with `retry: 2` (and `data: ok` with `ok_first`)
 * and a cookie; the request that brings the cookie back gets `data: data`.
 */
const statusReconnect: Handler = (exchange) => {
  const status = param(exchange.query, 'status') ?? '204';
  const name = `request${param(exchange.query, 'id') ?? status}`;
  if (cookies(exchange.req).get(name) === status) {
    const expired = `${name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/`;
    return respond(exchange, 200, 'OK', { 'Content-Type': EVENT_STREAM, 'Set-Cookie': expired }, 'data: data\n\n');
  }
  const body = `retry: 2\n${exchange.query.has('ok_first') ? 'data: ok\n\n' : ''}`;
  const headers = { 'Content-Type': EVENT_STREAM, 'Set-Cookie': `${name}=${status}; HttpOnly; Path=/` };
  respond(exchange, Number(status), 'TEST', headers, body);
};

/** reconnect-fail.py: opened (retry 2 ms) → reconnected → 204, the state kept in a cookie named by `id`. */
const reconnectFail: Handler = (exchange) => {
  const name = `recon_fail_${param(exchange.query, 'id') ?? ''}`;
  const state = cookies(exchange.req).get(name);
  const type = { 'Content-Type': EVENT_STREAM };
  if (state === 'opened') {
    const headers = { ...type, 'Set-Cookie': `${name}=reconnected; Path=/` };
    return respond(exchange, 200, 'RECONNECT', headers, 'data: reconnected\n\n');
  }
  if (state === 'reconnected') {
    const headers = { ...type, 'Set-Cookie': `${name}=; Expires=Thu, 01 Jan 1970 00:00:00 GMT; Path=/` };
    return respond(exchange, 204, 'NO CONTENT (CLOSE)', headers, '');
  }
  respond(exchange, 200, 'OPEN', { ...type, 'Set-Cookie': `${name}=opened; Path=/` }, 'retry: 2\ndata: opened\n\n');
};

/** accept.php: the request's `Accept` header, as data. */
const accept: Handler = (exchange) => {
  const value = headerBytes(exchange.req, 'accept') ?? Buffer.alloc(0);
  const body = Buffer.concat([Buffer.from('data: '), value, Buffer.from('\n\n')]);
  respond(exchange, 200, 'OK', { 'Content-Type': EVENT_STREAM }, body);
};

/** cache-control.event_stream (with `pipe=sub`): the request's `Cache-Control` header, as data. */
const cacheControl: Handler = (exchange) => {
  const value = headerBytes(exchange.req, 'cache-control') ?? Buffer.alloc(0);
  const body = Buffer.concat([Buffer.from('data: '), value, Buffer.from('\n\n')]);
  respond(exchange, 200, 'OK', { 'Content-Type': EVENT_STREAM }, body);
};

/** common/redirect.py: `status` (default 302) to `location`. */
const redirect: Handler = (exchange) => {
  const status = Number(param(exchange.query, 'status') ?? '302');
  const location = exchange.query.get('location')?.toString('utf8') ?? '';
  respond(exchange, status, 'Redirect', { Location: location, 'Content-Type': 'text/plain' }, '');
};

/** cors.py: adds Access-Control-Allow-Origin/-Credentials (from `origin`/`credentials`), then runs `run`. */
const cors: Handler = (exchange) => {
  const origin = param(exchange.query, 'origin') ?? exchange.req.headers.origin;
  // wptserve raises (500) when there is neither an `origin` parameter nor an Origin header.
  if (origin === undefined) return respond(exchange, 500, 'No Origin', { 'Content-Type': 'text/plain' }, '');
  exchange.extraHeaders['Access-Control-Allow-Origin'] = origin;
  exchange.extraHeaders['Access-Control-Allow-Credentials'] = param(exchange.query, 'credentials') ?? 'true';
  const inner: Record<string, Handler> = {
    'status-reconnect': statusReconnect,
    message,
    redirect,
    'cache-control': cacheControl,
  };
  const handler = inner[param(exchange.query, 'run') ?? ''];
  if (handler === undefined) return respond(exchange, 200, 'OK', {}, '');
  handler(exchange);
};

/** cors-cookie.py: `first`/`second` with whether the `ident` cookie came along; the cookie set, then expired. */
const corsCookie: Handler = (exchange) => {
  const last = headerBytes(exchange.req, 'last-event-id')?.toString('latin1') ?? '';
  const ident = param(exchange.query, 'ident') ?? 'test';
  const cookie = cookies(exchange.req).has(ident) ? 'COOKIE' : 'NO_COOKIE';
  const origin = param(exchange.query, 'origin') ?? exchange.req.headers.origin ?? '';
  const credentials = param(exchange.query, 'credentials') ?? 'true';
  const headers: Record<string, string> = {};
  if (origin !== 'none') headers['Access-Control-Allow-Origin'] = origin;
  if (credentials !== 'none') headers['Access-Control-Allow-Credentials'] = credentials;
  if (last === '') {
    headers['Set-Cookie'] = `${ident}=COOKIE; Path=/`;
    return respond(
      exchange,
      200,
      'OK',
      { ...headers, 'Content-Type': EVENT_STREAM },
      `id: 1\nretry: 200\ndata: first ${cookie}\n\n`,
    );
  }
  if (last === '1') {
    headers['Set-Cookie'] = `${ident}=COOKIE; Expires=Fri, 27 Jul 2001 00:00:00 GMT; Path=/`;
    return respond(
      exchange,
      200,
      'OK',
      { ...headers, 'Content-Type': EVENT_STREAM },
      `id: 2\ndata: second ${cookie}\n\n`,
    );
  }
  respond(exchange, 200, 'OK', { ...headers, 'Content-Type': 'stop' }, `data: ${last}${cookie}\n\n`);
};

const UNSAFE_FIXTURES: Record<string, string> = {
  safe: 'abc',
  // CORS-unsafe request-header byte 0x3C (`<`)
  unsafe: 'e5p3n<3k0k0s',
  // past the 128-byte limit of a CORS-safelisted header value
  long: 'a'.repeat(255),
};

/**
 * cors-unsafe-last-event-id.py: the first request gets `id: <fixture value>`; the reconnection answers
 * `success` when `Last-Event-ID` came back intact and a preflight was seen exactly when one was due.
 */
const corsUnsafeLastEventId: Handler = (exchange) => {
  const { req, query, stash } = exchange;
  if (req.headers.origin !== undefined) exchange.extraHeaders['Access-Control-Allow-Origin'] = req.headers.origin;
  const requested = req.headers['access-control-request-headers'];
  if (requested !== undefined) exchange.extraHeaders['Access-Control-Allow-Headers'] = requested;
  const token = param(query, 'token');
  const fixture = param(query, 'fixture');
  if (token === undefined || fixture === undefined) {
    return respond(exchange, 400, 'Bad Request', { 'Content-Type': 'text/plain' }, 'ERROR: missing a parameter');
  }
  const last = headerBytes(req, 'last-event-id')?.toString('latin1') ?? '';
  // [port only] `preflight=never`: a Node fetch never preflights, so only the id's round trip is checked.
  const expectPreflight = (fixture === 'unsafe' || fixture === 'long') && param(query, 'preflight') !== 'never';
  if (req.method === 'OPTIONS') {
    if (last === '') return respond(exchange, 400, 'Bad Request', {}, 'ERROR: No Last-Event-ID header in preflight!');
    stash.set(token, String(requested));
    return respond(exchange, 200, 'OK', {}, '');
  }
  const stream = (body: string) =>
    respond(exchange, 200, 'OK', { 'Content-Type': EVENT_STREAM, 'Cache-Control': 'no-store' }, body);
  const expected = UNSAFE_FIXTURES[fixture];
  if (last === '') {
    if (expected === undefined) return stream('event: failure\ndata: unknown fixture\n\n');
    return stream(`id: ${expected}\nretry: 200\ndata: ${fixture}\n\n`);
  }
  const preflight = stash.get(token);
  stash.delete(token);
  if (preflight !== undefined && !expectPreflight)
    return stream('event: failure\ndata: saw preflight, did not expect one\n\n');
  if (preflight === undefined && expectPreflight)
    return stream('event: failure\ndata: expected preflight, did not get one\n\n');
  if (preflight !== undefined && preflight.toLowerCase() !== 'last-event-id') {
    return stream('event: failure\ndata: preflight `access-control-request-headers` was not `last-event-id`\n\n');
  }
  const outcome = last === expected ? 'success' : 'failure';
  stream(`event: ${outcome}\ndata: got ${last}, expected ${expected ?? '<unknown>'}\n\n`);
};

/** Resources by file stem, under `/eventsource/resources/` unless the key says otherwise. */
const RESOURCES: Record<string, Handler> = {
  message,
  message2,
  'last-event-id': lastEventId,
  'last-event-id2': lastEventId2,
  'status-error': statusError,
  'status-reconnect': statusReconnect,
  'reconnect-fail': reconnectFail,
  accept,
  'cache-control': cacheControl,
  cors,
  'cors-cookie': corsCookie,
  'cors-unsafe-last-event-id': corsUnsafeLastEventId,
};

function route(pathname: string): Handler | undefined {
  if (pathname === '/common/redirect.py' || pathname === '/common/handlers/redirect.py') return redirect;
  const match = /^\/eventsource\/resources\/([\w-]+)\.\w+$/.exec(pathname);
  return match === null ? undefined : RESOURCES[match[1]!];
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`)),
  );
}

export async function startWptServer(): Promise<WptServer> {
  const stash = new Map<string, string>();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    const rawUrl = req.url ?? '/';
    const handler = route(rawUrl.split('?')[0]!);
    const exchange: Exchange = { req, res, query: parseQuery(rawUrl), stash, extraHeaders: {} };
    if (handler === undefined)
      return respond(exchange, 404, 'Not Found', { 'Content-Type': 'text/plain' }, 'not found');
    handler(exchange);
  };
  const servers = [createServer(handle), createServer(handle)];
  const [origin, crossOrigin] = await Promise.all(servers.map(listen));
  return {
    origin: origin!,
    crossOrigin: crossOrigin!,
    async close() {
      await Promise.all(
        servers.map((server) => {
          server.closeAllConnections();
          return new Promise((resolve) => server.close(resolve));
        }),
      );
    },
  };
}
