/**
 * HTTP errors of the hub: a status, a catalogue code and a message safe to show the client. They are
 * written as `{ "error": { "code", "message" } }` to clients that accept JSON, as plain text otherwise.
 * @module
 */
import { type IncomingMessage, maxHeaderSize, type ServerResponse, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { HotlineError, type HotlineErrorCode } from '../errors.js';

/**
 * The hub's answer to a request it refuses: a status, a catalogue code and a message, written as the
 * response. `message` must never hold internal details or secrets. (Not the client's `HttpError`, which is
 * what a client gets when a server answers a status it cannot use.)
 */
export class HttpRejection extends HotlineError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: HotlineErrorCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(code, message, options);
    this.name = 'HttpRejection';
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/** @deprecated Renamed {@link HttpRejection}: one name per concept (the client's `HttpError` is another class). */
export const HttpError = HttpRejection;
/** @deprecated Renamed {@link HttpRejection}. */
export type HttpError = HttpRejection;

/** Writes `error` as the response, unless headers are already sent, in which case it ends the response. */
export function sendError(req: IncomingMessage, res: ServerResponse, error: HttpRejection): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const json = acceptsJson(req.headers.accept);
  const body = json
    ? JSON.stringify({ error: { code: error.code, message: error.message } })
    : `${error.code}: ${error.message}\n`;
  res.writeHead(error.status, {
    ...error.headers,
    'Content-Type': json ? 'application/json; charset=utf-8' : 'text/plain; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
    'Cache-Control': 'no-store',
  });
  res.end(req.method === 'HEAD' ? undefined : body);
}

function acceptsJson(accept: string | undefined): boolean {
  if (accept === undefined || accept === '') return true;
  return /application\/json|\*\/\*|application\/\*/.test(accept);
}

/**
 * How long a connection refused by {@link answerClientError} may linger after its response, so the client
 * reads the response before the socket closes (closing with unread input resets the connection).
 */
const CLIENT_ERROR_LINGER_MS = 1000;

/**
 * Answers a request node:http could not parse (a server's `clientError`) the way every other error is
 * answered: a status and a JSON body. Returns the error sent, or `undefined` when nothing could be sent
 * (the peer is gone, or a response is already under way on the connection, which raw bytes would corrupt).
 * Never reads `error.rawPacket`: it holds the request's bytes, credentials included.
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): HttpRejection | undefined {
  // After a parse error node:http reports every later chunk of the same connection again: answered once.
  if (socket.writableEnded) return undefined;
  if (error.code === 'ECONNRESET' || !socket.writable || responseStarted(socket)) {
    socket.destroy();
    return undefined;
  }
  const httpError = fromParseError(error.code);
  writeRawError(socket, httpError);
  return httpError;
}

/**
 * Answers a `CONNECT` (a server's `connect` event), which node:http would otherwise drop without a word:
 * the hub is no proxy.
 */
export function refuseConnect(socket: Duplex): HttpRejection {
  const httpError = new HttpRejection(
    405,
    'HOTLINE_HUB_METHOD_NOT_ALLOWED',
    'CONNECT is not allowed: the hub is not a proxy',
  );
  writeRawError(socket, httpError);
  return httpError;
}

/** Writes `error` as a whole HTTP/1.1 response on a socket no `ServerResponse` owns, then closes it. */
function writeRawError(socket: Duplex, error: HttpRejection): void {
  const body = JSON.stringify({ error: { code: error.code, message: error.message } });
  socket.end(
    `HTTP/1.1 ${error.status} ${STATUS_CODES[error.status]}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\nConnection: close\r\n\r\n' +
      body,
  );
  const linger = setTimeout(() => socket.destroy(), CLIENT_ERROR_LINGER_MS);
  linger.unref();
  socket.once('close', () => clearTimeout(linger));
}

/** The statuses node:http itself would send (431, 413, 408, else 400), with a catalogue code. */
function fromParseError(code: string | undefined): HttpRejection {
  switch (code) {
    case 'HPE_HEADER_OVERFLOW':
      // maxHeaderSize is node:http's limit (--max-http-header-size, 16 KiB by default).
      return new HttpRejection(
        431,
        'HOTLINE_HUB_HEADERS_TOO_LARGE',
        `the request headers are larger than ${maxHeaderSize} bytes`,
      );
    case 'HPE_CHUNK_EXTENSIONS_OVERFLOW':
      return new HttpRejection(413, 'HOTLINE_HUB_PAYLOAD_TOO_LARGE', 'the chunk extensions are too large');
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpRejection(408, 'HOTLINE_HUB_REQUEST_TIMEOUT', 'the request did not arrive in time');
    default:
      return new HttpRejection(400, 'HOTLINE_HUB_BAD_REQUEST', 'the request is not valid HTTP/1.1');
  }
}

/**
 * node:http's own default answer checks the response in flight on the socket the same way (`_httpMessage`
 * is the `ServerResponse` of the current request; not public API, hence the narrow structural read).
 */
function responseStarted(socket: Duplex): boolean {
  const current = (socket as { _httpMessage?: { headersSent?: boolean } | null })._httpMessage;
  return current?.headersSent === true;
}
