/**
 * Lighter HTTP/1.1 streams: once an event stream's head and first bytes are out, the socket is taken over
 * from node:http, as node does itself for an `upgrade` (and `ws` after it). The request, the response, the
 * HTTP parser and node:http's per-connection listeners and state are freed; what stays is the socket and
 * a few closures. node:http's objects cost ~15 KB per idle stream, more than everything else together.
 *
 * The wire does not change: the head node:http sent (`Transfer-Encoding: chunked`, `Connection:
 * keep-alive`) stays, and every later write is framed as a chunk here. A stream that ends gets its last
 * chunk (`0\r\n\r\n`, a complete response) and its connection goes back to node:http for the next
 * request, as a new connection would (keep-alive holds: clients that pool connections, node's own agent and
 * undici among them, reuse it at once; closing it instead would race their next request).
 *
 * Only what node:http does itself for an upgrade is done here, through the same internal (`freeParser`);
 * where anything is missing (another runtime, a pipelined response not yet on the socket, HEAD, a body that
 * is not chunked, a response whose `write`/`end` a middleware wrapped) the stream simply stays on
 * node:http, as before.
 * @module
 */

import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import * as http from 'node:http';
import type { Socket } from 'node:net';

/** The taken-over socket, as the session's sink sees it. */
export interface TakenOverStream {
  /** Writes one chunk; `false` means wait for `drain` (the bytes are taken all the same). */
  write(bytes: Uint8Array): boolean;
  readonly bufferedBytes: number;
  /** Writes `last` (if any) and the last chunk, then closes the connection once they are out. */
  end(last?: Uint8Array): void;
  /** Drops the connection and whatever is still buffered for it. */
  destroy(): void;
}

/** The session's side: a class's methods, so that a taken-over stream costs no closures. */
export interface TakeoverHandlers {
  drain(): void;
  /** The connection is gone (closed by either side, or failed). */
  close(): void;
  /** The socket is now this stream's (in the turn after the first write). */
  taken(stream: TakenOverStream): void;
}

interface NodeHttpParser {
  incoming: unknown;
  finish(): unknown;
}
type FreeParser = (parser: NodeHttpParser, req: IncomingMessage, socket: Socket) => void;

/** node:http's own per-connection listeners, removed exactly as its upgrade path removes them. */
const HTTP_SERVER_LISTENERS: Record<string, readonly string[]> = {
  data: ['bound socketOnData'],
  end: ['bound socketOnEnd'],
  close: ['bound socketOnClose', 'onServerResponseClose'],
  drain: ['bound socketOnDrain'],
  error: ['socketOnError'],
  timeout: ['socketOnTimeout'],
  resume: ['onSocketResume'],
  pause: ['onSocketPause'],
};

const LAST_CHUNK = Buffer.from('0\r\n\r\n', 'latin1');
const CRLF = Buffer.from('\r\n', 'latin1');

let enabled = true;
const freeParser = loadFreeParser();
/** node:http's listener for a new connection: what http2's `allowHTTP1` calls too (undocumented, stable). */
const httpConnectionListener = (http as unknown as { _connectionListener?: unknown })._connectionListener as
  | ((this: object, socket: Socket) => void)
  | undefined;

function loadFreeParser(): FreeParser | undefined {
  // getBuiltinModule (Node ≥ 20.16) reaches node:http's internal module without a require in ESM.
  const load = (process as { getBuiltinModule?: (id: string) => unknown }).getBuiltinModule;
  try {
    const common = load?.('_http_common') as { freeParser?: unknown } | undefined;
    return typeof common?.freeParser === 'function' ? (common.freeParser as FreeParser) : undefined;
  } catch {
    return undefined;
  }
}

/**
 * For tests and comparisons: `false` keeps every stream on node:http (the behaviour before takeover).
 * Returns the previous setting.
 */
export function setSocketTakeover(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

interface PendingTakeover {
  req: IncomingMessage;
  res: ServerResponse;
  handlers: TakeoverHandlers;
}

// Taken over together at the start of the next turn, never from inside node:http's request handler:
// the parser is still executing there (a GET completes after its handler returns), and node:http frees a
// parser only once it has returned, as for an upgrade.
let pending: PendingTakeover[] = [];

/**
 * Takes `res`'s socket over in the next turn and hands the stream to `handlers.taken`; or leaves it on node:http,
 * changing nothing, when it cannot. Call it after the first write, when the head and first bytes are out.
 */
export function scheduleTakeover(req: IncomingMessage, res: ServerResponse, handlers: TakeoverHandlers): void {
  if (!enabled || freeParser === undefined) return;
  pending.push({ req, res, handlers });
  if (pending.length === 1) setImmediate(takeOverPending);
}

function takeOverPending(): void {
  const due = pending;
  pending = [];
  for (const { req, res, handlers } of due) {
    const stream = takeOverSocket(req, res, handlers);
    if (stream !== undefined) handlers.taken(stream);
  }
}

function takeOverSocket(
  req: IncomingMessage,
  res: ServerResponse,
  handlers: TakeoverHandlers,
): TakenOverStream | undefined {
  const socket = res.socket as (Socket & { parser?: NodeHttpParser | null; _httpMessage?: unknown }) | null;
  if (freeParser === undefined || socket == null) return undefined;
  const parser = socket.parser;
  const ready =
    parser != null &&
    // A request pipelined behind this one has begun: it stays with node:http, and so does the socket.
    (parser.incoming === req || parser.incoming == null) &&
    socket._httpMessage === res &&
    req.method !== 'HEAD' &&
    // Middleware that wraps the response's writes (compression, logging) must keep seeing them.
    res.write === http.ServerResponse.prototype.write &&
    res.end === http.ServerResponse.prototype.end &&
    res.chunkedEncoding === true &&
    !res.writableEnded &&
    !socket.destroyed &&
    // Nothing left in the response's own buffer: every byte so far is on the socket, in order.
    res.writableLength === socket.writableLength;
  if (!ready) return undefined;

  try {
    removeHttpServerListeners(socket);
    res.detachSocket(socket);
    parser.finish();
    freeParser(parser, req, socket);
  } catch {
    // node:http's internals changed under us (another node version): half taken over, the socket can
    // serve neither side. The session ends ('client') and its client reconnects; the process goes on.
    socket.destroy();
    handlers.close();
    return undefined;
  }
  // node:http may have set the server's `timeout` on the socket; the stream is bounded by the write
  // watchdog and the heartbeats instead, as it was while node:http held it (a response in progress).
  socket.setTimeout(0);
  return adopt(socket, handlers);
}

function removeHttpServerListeners(socket: Socket): void {
  for (const [event, names] of Object.entries(HTTP_SERVER_LISTENERS)) {
    for (const listener of socket.rawListeners(event)) {
      if (names.includes(listener.name)) socket.removeListener(event, listener as (...args: unknown[]) => void);
    }
  }
}

/** Taken-over sockets open in the process, on every server. */
let openTakenOver = 0;

function adopt(socket: Socket, handlers: TakeoverHandlers): TakenOverStream {
  openTakenOver++;
  const stream = new TakenOverSocket(socket as OwnedSocket, handlers);
  track(socket as OwnedSocket);
  // One set of listeners for every taken-over socket (they find their stream on the socket), not a
  // closure each. A reset peer or a failed write: the 'close' that follows ends the session, as node:http
  // reports it.
  socket.on('error', ignore);
  socket.on('drain', onSocketDrain);
  socket.on('end', onSocketEnd);
  socket.once('close', onSocketClose);
  // Read, so that the client's FIN is seen. Nothing after the request can be answered on a stream's
  // connection: bytes sent there (garbage, or a request pipelined behind a response that never ends) close
  // it, as node:http's parser did with garbage — never written into the stream, never buffered.
  socket.on('data', onSocketData);
  return stream;
}

const STREAM = Symbol('hotline.takenOverStream');
type OwnedSocket = Socket & { [STREAM]?: TakenOverSocket };

class TakenOverSocket implements TakenOverStream {
  readonly #socket: OwnedSocket;
  readonly handlers: TakeoverHandlers;

  constructor(socket: OwnedSocket, handlers: TakeoverHandlers) {
    this.#socket = socket;
    this.handlers = handlers;
    socket[STREAM] = this;
  }

  write(bytes: Uint8Array): boolean {
    return this.#socket.write(chunk(bytes));
  }

  get bufferedBytes(): number {
    return this.#socket.writableLength;
  }

  end(last?: Uint8Array): void {
    const socket = this.#socket;
    if (socket.destroyed || socket.writableEnded) return;
    if (last !== undefined && last.length > 0) socket.write(chunk(last));
    socket.write(LAST_CHUNK);
    handBack(socket);
  }

  destroy(): void {
    this.#socket.destroy();
  }
}

function onSocketDrain(this: OwnedSocket): void {
  this[STREAM]?.handlers.drain();
}

function onSocketData(this: OwnedSocket): void {
  this.destroy();
}

function onSocketEnd(this: OwnedSocket): void {
  // The client closed its side: like node:http (no `httpAllowHalfOpen`), close ours.
  this.end();
}

function onSocketClose(this: OwnedSocket): void {
  const stream = this[STREAM];
  forget(this);
  stream?.handlers.close();
}

function destroyAfterEnd(this: Socket): void {
  this.destroy();
}

/**
 * The response is complete: the connection goes back to node:http as a new one (a fresh parser, its
 * listeners, its timeouts and `closeAllConnections`), ready for the client's next request. When that is not
 * possible (no server, the client already closed its side) the connection is closed once the last chunk
 * is out, as node:http closes a `Connection: close` response.
 */
function handBack(socket: OwnedSocket): void {
  const server = (socket as { server?: object }).server;
  forget(socket);
  if (server === undefined || httpConnectionListener === undefined || socket.readableEnded) {
    socket.once('finish', destroyAfterEnd);
    socket.end();
    return;
  }
  try {
    httpConnectionListener.call(server, socket);
  } catch {
    socket.destroy();
    return;
  }
  // node:http's own error listener is on it now.
  socket.off('error', ignore);
  trackHandedBack(socket);
}

/** Removes everything this module attached to `socket`. */
function forget(socket: OwnedSocket): void {
  openTakenOver--;
  socket.off('drain', onSocketDrain);
  socket.off('data', onSocketData);
  socket.off('end', onSocketEnd);
  socket.off('close', onSocketClose);
  socket[STREAM] = undefined;
  const server = (socket as { server?: object }).server;
  if (server !== undefined) takenBy.get(server)?.taken.delete(socket);
}

function ignore(): void {}

let lastPayload: Uint8Array | undefined;
let lastChunk: Buffer = Buffer.alloc(0);

/**
 * `bytes` as one HTTP/1.1 chunk. The session's adapter hands every subscriber of a broadcast the very same
 * joined bytes, so the last framing is kept: 10,000 subscribers cost one copy, as they did before.
 */
function chunk(bytes: Uint8Array): Buffer {
  if (bytes === lastPayload) return lastChunk;
  const size = Buffer.from(`${bytes.length.toString(16)}\r\n`, 'latin1');
  lastChunk = Buffer.concat([size, bytes, CRLF], size.length + bytes.length + 2);
  lastPayload = bytes;
  return lastChunk;
}

/**
 * Taken-over sockets are no longer in node:http's connection list, so `server.closeAllConnections()`
 * would not find them: it is extended, once per server, to destroy them too. The hub's drain and
 * `close()` (and any user of the library who calls it) keep cutting every stream. A connection handed
 * back after its stream ended counts for node:http as a new one, not an idle one, so
 * `server.closeIdleConnections()` (which `server.close()` calls) is extended to close those that have
 * received nothing since, as node:http closes a keep-alive connection between requests.
 */
interface ServerSockets {
  readonly taken: Set<Socket>;
  /** Handed back after a stream, with `bytesRead` at that moment. */
  readonly handedBack: Map<Socket, number>;
}

const takenBy = new WeakMap<object, ServerSockets>();

function socketsOf(socket: Socket): ServerSockets | undefined {
  const server = (socket as { server?: unknown }).server as Server | undefined;
  if (server === undefined || typeof server.closeAllConnections !== 'function') return undefined;
  const known = takenBy.get(server);
  if (known !== undefined) return known;
  const own: ServerSockets = { taken: new Set(), handedBack: new Map() };
  takenBy.set(server, own);
  const { closeAllConnections, closeIdleConnections } = server;
  server.closeAllConnections = function closeAllConnectionsAndStreams(this: Server) {
    closeAllConnections.call(this);
    for (const open of own.taken) open.destroy();
  };
  if (typeof closeIdleConnections === 'function') {
    server.closeIdleConnections = function closeIdleConnectionsAfterStreams(this: Server) {
      closeIdleConnections.call(this);
      for (const [open, bytesRead] of own.handedBack) if (open.bytesRead === bytesRead) open.destroy();
    };
  }
  return own;
}

function track(socket: OwnedSocket): void {
  const sockets = socketsOf(socket);
  if (sockets === undefined) return;
  sockets.handedBack.delete(socket);
  sockets.taken.add(socket);
}

function trackHandedBack(socket: Socket): void {
  const sockets = socketsOf(socket);
  if (sockets === undefined) return;
  if (!sockets.handedBack.has(socket)) socket.once('close', onHandedBackClose);
  sockets.handedBack.set(socket, socket.bytesRead);
}

function onHandedBackClose(this: Socket): void {
  socketsOf(this)?.handedBack.delete(this);
}

/**
 * How many taken-over sockets are open on `server` (a node:http server), or in the whole process (for
 * tests and leak checks).
 */
export function takenOverSocketCount(server?: object): number {
  if (server === undefined) return openTakenOver;
  return takenBy.get(server)?.taken.size ?? 0;
}
