/**
 * HTTP errors of the hub: a status, a catalogue code and a message safe to show the client. They are
 * written as `{ "error": { "code", "message" } }` to clients that accept JSON, as plain text otherwise.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { HotlineError, type HotlineErrorCode } from '../errors.js';

/** An error that becomes an HTTP response; `message` must never hold internal details or secrets. */
export class HttpError extends HotlineError {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    code: HotlineErrorCode,
    message: string,
    options: { cause?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(code, message, options);
    this.name = 'HttpError';
    this.status = status;
    this.headers = options.headers ?? {};
  }
}

/** Writes `error` as the response, unless headers are already sent, in which case it ends the response. */
export function sendError(req: IncomingMessage, res: ServerResponse, error: HttpError): void {
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
