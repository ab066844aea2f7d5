/**
 * The reason a server gives for refusing a stream, read from a JSON error body, so a caller can show
 * "the token has expired" rather than "401". Bounded in bytes and time: an error body is read before the
 * client decides whether to reconnect, so a server that sends a huge or endless one must not hold it.
 * @module
 */
import { HttpError, type ServerReason } from './errors.js';
import type { ResponseLike } from './types.js';

/** Error bodies past this size are not read (a reason is a sentence, not a page). */
export const ERROR_BODY_MAX_BYTES = 16 * 1024;
/** An error body that takes longer than this to arrive is given up on. */
export const ERROR_BODY_TIMEOUT_MS = 2000;

/** The {@link HttpError} for a non-200 response, with the server's reason when its body states one. */
export async function httpErrorOf(response: ResponseLike, requestUrl?: string): Promise<HttpError> {
  const reason = await readErrorBody(response);
  // The final URL after redirects, else the one asked for (a custom fetch may leave `url` empty).
  return new HttpError(response.status, undefined, reason, { url: response.url || requestUrl });
}

/** The reason stated by a JSON error body; `undefined` for any other body, a malformed one, or one too slow or large. */
export async function readErrorBody(response: ResponseLike): Promise<ServerReason | undefined> {
  if (response.body === null || !isJson(response.headers.get('content-type'))) return undefined;
  const text = await readBounded(response.body);
  if (text === undefined) return undefined;
  try {
    return reasonOf(JSON.parse(text));
  } catch {
    return undefined;
  }
}

function isJson(contentType: string | null): boolean {
  const essence = contentType?.split(';')[0]?.trim().toLowerCase() ?? '';
  return essence === 'application/json' || essence.endsWith('+json');
}

/** The body as text, or `undefined` when it is larger than the cap, fails, or is not complete in time. */
async function readBounded(body: ReadableStream<Uint8Array>): Promise<string | undefined> {
  const reader = body.getReader();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    // A pending read() then resolves as done, and the loop below gives up.
    reader.cancel().catch(() => {});
  }, ERROR_BODY_TIMEOUT_MS);
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const chunk = await reader.read();
      if (timedOut) return undefined;
      if (chunk.done) break;
      size += chunk.value.byteLength;
      if (size > ERROR_BODY_MAX_BYTES) return undefined;
      chunks.push(chunk.value);
    }
  } catch {
    // The connection dropped while the body was read: there is no reason to report, only the status.
    return undefined;
  } finally {
    clearTimeout(timer);
    reader.cancel().catch(() => {});
  }
  const bytes = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, at);
    at += chunk.byteLength;
  }
  return new TextDecoder().decode(bytes);
}

/** Hotline's `{"error":{"code","message"}}`, and the common `{"error":"…"}` and `{"message":"…","code":"…"}`. */
function reasonOf(value: unknown): ServerReason | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const body = value as { error?: unknown; message?: unknown; code?: unknown };
  const nested =
    typeof body.error === 'object' && body.error !== null
      ? (body.error as { message?: unknown; code?: unknown })
      : undefined;
  const message = [nested?.message, body.error, body.message].find((m): m is string => typeof m === 'string');
  if (message === undefined || message === '') return undefined;
  const code = [nested?.code, body.code].find((c): c is string => typeof c === 'string');
  return code === undefined ? { message } : { message, code };
}
