/**
 * The one place where a failed `hotline` command becomes ONE line on stderr that says what went wrong and
 * what to do, and an exit code: 2 for a bad command line or configuration, 1 for a runtime failure. The
 * stack trace is for us, not for users: `--debug` or `HOTLINE_DEBUG=1` prints it too.
 * @module
 */
import { HotlineError } from '../errors.js';
import { UsageError } from './args.js';

/** A failure a command already described in words; `exitCode` 2 means the command line was wrong. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: 1 | 2 = 1,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

interface SystemError extends Error {
  code?: string;
  path?: string;
  address?: string;
  port?: number;
  hostname?: string;
  input?: string;
}

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH']);

/** OpenSSL's verdicts on a certificate Node could not verify (self-signed, unknown CA, expired, other name). */
const CERTIFICATE_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The system error under a wrapper such as undici's `TypeError: fetch failed` (its `cause`). */
function rootCause(error: unknown): SystemError | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (typeof (current as SystemError).code === 'string') return current as SystemError;
    current = current.cause;
  }
  return undefined;
}

/**
 * Wraps a failure to reach `url` (connection refused, unknown host, invalid URL, `fetch failed`) into a
 * {@link CliError} that names the URL; any other error is returned as it is. `check` is what to check, in
 * the words of the command (`hotline doctor` takes its URL as an argument, not as `--url`).
 */
export function unreachable(url: string, error: unknown, check = 'is the hub running there? check --url'): unknown {
  const cause = rootCause(error);
  if (cause?.code === 'ERR_INVALID_URL') {
    return new CliError(
      `${JSON.stringify(url)} is not a valid URL — give a full URL such as http://127.0.0.1:3000/.well-known/mercure`,
      2,
      { cause: error },
    );
  }
  if (cause?.code !== undefined && CERTIFICATE_CODES.has(cause.code)) {
    return new CliError(
      `cannot verify the certificate of ${url} (${cause.code}) — pass --ca <file> with its CA or self-signed certificate (--insecure for testing only)`,
      1,
      { cause: error },
    );
  }
  if (cause?.code === 'ERR_SSL_WRONG_VERSION_NUMBER') {
    return new CliError(
      `${url} does not answer in TLS (${cause.code}) — it speaks plain HTTP: use http://, or start the hub with --tls-cert/--tls-key`,
      1,
      { cause: error },
    );
  }
  // A TLS server closes a connection whose first bytes are not a handshake: that is what plain http:// to a
  // `hotline serve --tls-cert` port looks like (fetch says UND_ERR_SOCKET, node:http ECONNRESET).
  if (url.startsWith('http:') && (cause?.code === 'UND_ERR_SOCKET' || cause?.code === 'ECONNRESET')) {
    return new CliError(
      `${url} closed the connection without answering — if it serves HTTPS (hotline serve --tls-cert), use https://`,
      1,
      { cause: error },
    );
  }
  if (cause?.code !== undefined && NETWORK_CODES.has(cause.code)) {
    const why = cause.code === 'ENOTFOUND' || cause.code === 'EAI_AGAIN' ? 'unknown host' : cause.code;
    return new CliError(`cannot reach ${url} (${why}) — ${check}`, 1, { cause: error });
  }
  if (error instanceof TypeError && error.message === 'fetch failed') {
    return new CliError(`cannot reach ${url} — ${check}`, 1, { cause: error });
  }
  return error;
}

/** The SQLite file a `--log` spec names, if it names one (the rules of `openLog`). */
export function sqlitePath(spec: string): string | undefined {
  if (spec.startsWith('sqlite:')) return spec.slice('sqlite:'.length);
  return /\.(db|sqlite|sqlite3)$/.test(spec) ? spec : undefined;
}

/** Describes a failure of `hotline <command>` as one line, and the exit code it deserves. */
export function describeFailure(command: string, error: unknown): { line: string; exitCode: 1 | 2 } {
  const prefix = `hotline ${command}:`;
  // node:util's parseArgs explains some mistakes over several lines (`--token --insecure`): keep one.
  const usage = (message: string) => ({
    line: `${prefix} ${message.replace(/\s*\n\s*/g, ' ')} — run \`hotline ${command} --help\` for the options`,
    exitCode: 2 as const,
  });
  if (error instanceof CliError) return { line: `${prefix} ${error.message}`, exitCode: error.exitCode };
  if (error instanceof UsageError) return usage(error.message);
  if (error instanceof HotlineError) {
    if (error.code === 'HOTLINE_HUB_INVALID_OPTIONS') return usage(error.message);
    return { line: `${prefix} ${error.message} (${error.code})`, exitCode: 1 };
  }
  const cause = rootCause(error);
  switch (cause?.code) {
    case 'EADDRINUSE':
      return {
        // Through `npm start` (what the README starts with), a flag only reaches hotline after `--`.
        line: `${prefix} port ${cause.port ?? '?'} is in use — stop the other process or pass --port N${process.env.npm_lifecycle_event === 'start' ? ' (npm start -- --port N)' : ''}`,
        exitCode: 1,
      };
    case 'EACCES':
    case 'EPERM':
      return {
        line: `${prefix} permission denied on ${cause.path ?? cause.address ?? 'a file'} — pick a path you can write (--data-dir, --log sqlite:<path>) or fix its permissions`,
        exitCode: 1,
      };
    case 'ENOENT':
    case 'ENOTDIR':
      return {
        line: `${prefix} cannot create or open ${cause.path ?? 'a file'} (${cause.code}) — pick a path you can write (--data-dir, --log sqlite:<path>)`,
        exitCode: 1,
      };
    case 'ERR_INVALID_URL':
      return usage(`${JSON.stringify(cause.input ?? '')} is not a valid URL`);
  }
  const unexplained = error instanceof Error ? error.message : String(error);
  return {
    line: `${prefix} ${unexplained.replace(/\s*\n\s*/g, ' ')} (HOTLINE_DEBUG=1 for the stack trace)`,
    exitCode: 1,
  };
}

/**
 * A reader that went away (`hotline subscribe … | head -1`) is not a failure: stop quietly, exit 0.
 * Without this, the EPIPE on stdout is an unhandled 'error' event and a stack trace.
 */
export function exitQuietlyOnEpipe(): void {
  process.stdout.on('error', (error: SystemError) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}
