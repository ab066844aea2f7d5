/**
 * Deciding the status before the first byte: `acceptSession` (node) and `acceptResponse` (Web) run an
 * async `authorize` hook first, and answer a refusal with a real 401/403/404 and a JSON body — which
 * EventSource treats as final — instead of opening a stream that then closes and reconnects forever.
 * @module
 */
import type { ServerResponse } from 'node:http';
import { HotlineError } from '../errors.js';
import type { EventSchemas } from '../protocol/index.js';
import { createSession, type NodeRequest, type NodeResponse } from './adapters/node.js';
import { type SseResponseOptions, sseResponse, type TypedSseResponseOptions } from './adapters/web.js';
import type { Session, SessionOptions, TypedSession } from './types.js';

/** Thrown by an `authorize` hook to refuse a stream with `status`. */
export class StreamRejection extends HotlineError {
  readonly status: number;
  constructor(status: number, message = 'the stream was refused') {
    super('HOTLINE_STREAM_REJECTED', message);
    this.name = 'StreamRejection';
    if (!Number.isInteger(status) || status < 400 || status > 599) throw new RangeError('status must be 4xx or 5xx');
    this.status = status;
  }
}

function rejectionBody(error: StreamRejection): string {
  return JSON.stringify({ error: { code: error.code, message: error.message } });
}

type Authorize<Req> = { authorize: (req: Req) => void | Promise<void> };

/**
 * Runs `authorize(req)`, then opens the session; resolves `undefined` after answering a
 * {@link StreamRejection}. Any other error from the hook is answered `500` and rethrown.
 * With `schemas`, the session is typed by them, as from `createSession`.
 */
export function acceptSession<Req extends NodeRequest, S extends EventSchemas>(
  req: Req,
  res: NodeResponse,
  options: SessionOptions & { schemas: S } & Authorize<Req>,
): Promise<TypedSession<S> | undefined>;
export function acceptSession<Req extends NodeRequest>(
  req: Req,
  res: NodeResponse,
  options: SessionOptions & Authorize<Req>,
): Promise<Session | undefined>;
export async function acceptSession<Req extends NodeRequest>(
  req: Req,
  res: NodeResponse,
  options: SessionOptions & Authorize<Req>,
): Promise<Session | undefined> {
  const { authorize, ...sessionOptions } = options;
  try {
    await authorize(req);
  } catch (error) {
    const rejection = error instanceof StreamRejection ? error : new StreamRejection(500, 'internal error');
    const body = rejectionBody(rejection);
    (res as ServerResponse).writeHead(rejection.status, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(body),
    });
    res.end(body);
    if (error instanceof StreamRejection) return undefined;
    throw error;
  }
  return createSession(req, res, sessionOptions);
}

/**
 * The Web counterpart of {@link acceptSession}: a rejection becomes a JSON `Response` with its status.
 * Any other error from the hook is rethrown, for the framework's error handler to answer.
 */
export function acceptResponse<S extends EventSchemas>(
  request: Request,
  options: TypedSseResponseOptions<S> & Authorize<Request>,
): Promise<Response>;
export function acceptResponse(request: Request, options: SseResponseOptions & Authorize<Request>): Promise<Response>;
export async function acceptResponse(
  request: Request,
  options: SseResponseOptions & Authorize<Request>,
): Promise<Response> {
  const { authorize, ...responseOptions } = options;
  try {
    await authorize(request);
  } catch (error) {
    if (!(error instanceof StreamRejection)) throw error;
    return new Response(rejectionBody(error), {
      status: error.status,
      headers: { 'Content-Type': 'application/json' },
    });
  }
  return sseResponse(request, responseOptions);
}
