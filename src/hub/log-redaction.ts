/**
 * Keeping credentials out of logs. A request carries its token in the `Authorization` header, the
 * `mercureAuthorization` cookie or the `authorization` query parameter (Mercure), and a foreign error can
 * carry the raw request target (a URL error's `input`) or a header dump. The hub passes everything it logs
 * through these functions, whatever logger the user gave it; {@link LOG_REDACTION} makes a pino logger apply
 * the same rules to what other code logs through it.
 * @module
 */
import type { LoggerOptions } from 'pino';

/** What a redacted value is replaced with. */
export const REDACTED = '[REDACTED]';

/** Query parameters that carry a credential: Mercure's `authorization`, and OAuth's `access_token`. */
const SECRET_PARAMETERS = new Set(['authorization', 'access_token']);

/** Headers that carry a credential. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'set-cookie']);

/** The longest URL or message kept in a log line; the rest is cut, so one request cannot flood the log. */
const MAX_LOGGED_CHARS = 1024;

/**
 * A request target or URL with its credentials replaced: the value of every `authorization`/`access_token`
 * query parameter (names compared as `URLSearchParams` decodes them, so `%61uthorization` is caught too)
 * and any userinfo (`user:password@`). Works on targets `new URL` refuses, which are the ones logged.
 */
export function redactUrl(raw: string): string {
  const query = raw.indexOf('?');
  const head = redactUserinfo(query === -1 ? raw : raw.slice(0, query));
  if (query === -1) return truncate(head);
  const pairs = raw
    .slice(query + 1)
    .split('&')
    .map((pair) => {
      const eq = pair.indexOf('=');
      const name = eq === -1 ? pair : pair.slice(0, eq);
      return isSecretParameter(name) ? `${name}=${REDACTED}` : pair;
    });
  return truncate(`${head}?${pairs.join('&')}`);
}

function isSecretParameter(rawName: string): boolean {
  // URLSearchParams decodes leniently (a bad escape stays as it is), exactly as the hub reads the token.
  const [name] = new URLSearchParams(`${rawName}=`).keys();
  return name !== undefined && SECRET_PARAMETERS.has(name.toLowerCase());
}

function redactUserinfo(text: string): string {
  return text.replace(/(^|[a-z][a-z0-9+.-]*:)\/\/[^/?#@\s]*@/gi, `$1//${REDACTED}@`);
}

/** Request or response headers with the credential-bearing ones replaced (header names are case-insensitive). */
export function redactHeaders(headers: Readonly<Record<string, unknown>>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(headers)) {
    out[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
  }
  return out;
}

/**
 * Free text (an error message, a stack) with anything credential-shaped replaced: JWTs (a JOSE header is
 * base64url JSON, so it starts with `eyJ`), `Bearer <token>`, secret query parameters, cookies and
 * userinfo. A heuristic, and the last line of defence: the hub never puts a credential in a message itself.
 */
export function scrubText(text: string): string {
  return truncate(
    redactUserinfo(text)
      .replace(/eyJ[\w-]*(?:\.[\w-]*){1,4}/g, REDACTED)
      .replace(/\b(Bearer\s+)[^\s"',;]+/gi, `$1${REDACTED}`)
      .replace(/([?&;](?:authorization|access_token)=)[^&#\s"']*/gi, `$1${REDACTED}`)
      .replace(/(mercureAuthorization=)[^;\s"']*/gi, `$1${REDACTED}`),
  );
}

function truncate(text: string): string {
  return text.length <= MAX_LOGGED_CHARS ? text : `${text.slice(0, MAX_LOGGED_CHARS)}…`;
}

/** The fields of an error the hub logs: no foreign own properties (a URL error's `input`, a header dump). */
export interface SafeError {
  type: string;
  message: string;
  code?: string;
  stack?: string;
  cause?: SafeError;
}

/** How many `cause` links are followed; a cycle or a long chain stops here. */
const MAX_CAUSE_DEPTH = 3;

/**
 * An error as it may be logged: its name, code, message and stack, scrubbed by {@link scrubText}, and its
 * causes the same way. Every other own property is dropped: Node's URL errors carry the raw target as
 * `input`, HTTP parse errors the raw request bytes as `rawPacket`.
 */
export function safeError(error: unknown, depth = 0): SafeError {
  if (!(error instanceof Error)) return { type: typeof error, message: scrubText(String(error)) };
  const safe: SafeError = { type: error.name, message: scrubText(error.message) };
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') safe.code = code;
  if (error.stack !== undefined) safe.stack = scrubText(error.stack);
  if (error.cause !== undefined && depth < MAX_CAUSE_DEPTH) safe.cause = safeError(error.cause, depth + 1);
  return safe;
}

/**
 * pino options that apply the same rules to everything logged through a logger: `err` (and `error`) through
 * {@link safeError}, `url` through {@link redactUrl}, `headers` through {@link redactHeaders}, and the
 * credential headers of pino-http style `req`/`res` objects censored. Spread into `pino({ level, ...LOG_REDACTION })`.
 */
export const LOG_REDACTION = Object.freeze({
  serializers: {
    err: safeError,
    error: safeError,
    url: (value: unknown) => (typeof value === 'string' ? redactUrl(value) : value),
    headers: (value: unknown) =>
      typeof value === 'object' && value !== null ? redactHeaders(value as Record<string, unknown>) : value,
  },
  redact: {
    paths: [
      'req.url',
      'req.headers.authorization',
      'req.headers["proxy-authorization"]',
      'req.headers.cookie',
      'res.headers["set-cookie"]',
      '*.input',
      '*.rawPacket',
    ],
    censor: (value: unknown, path: string[]) =>
      path.at(-1) === 'url' && typeof value === 'string' ? redactUrl(value) : REDACTED,
  },
} satisfies Pick<LoggerOptions, 'serializers' | 'redact'>);
