/**
 * `--ca <file>` and `--insecure` for the commands that talk to a hub over HTTPS. Node's global `fetch`
 * trusts the system's CAs (plus `NODE_EXTRA_CA_CERTS`, read once at startup) and takes per-call TLS
 * options only through an undici `Agent`, a dependency every hub install would carry for these two flags.
 * So with either flag the commands send through `node:https` with the trust asked for, and get a Web
 * `Response` back like `fetch`'s; without them they use `fetch` itself.
 * @module
 */
import { readFileSync } from 'node:fs';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Readable } from 'node:stream';
import { type OptionTable, type ParsedOptions, stringOption, UsageError } from './args.js';

export const TLS_TRUST_OPTIONS: OptionTable = {
  ca: {
    type: 'string',
    description: 'PEM file of the CA (or the self-signed certificate) to trust for https: URLs',
    env: 'HOTLINE_CA',
    valueName: 'file',
  },
  insecure: {
    type: 'boolean',
    description: 'Do not verify the certificate of https: URLs (testing only)',
    env: 'HOTLINE_INSECURE',
  },
};

/** What to trust beyond the system's CAs. */
export interface TlsTrust {
  /** PEM certificates to trust instead of the system's. */
  readonly ca?: string;
  /** Accept any certificate. */
  readonly insecure?: boolean;
}

/** The trust `--ca` and `--insecure` ask for, or `undefined` for the system's. */
export function tlsTrust(values: ParsedOptions): TlsTrust | undefined {
  const caPath = stringOption(values, 'ca');
  const insecure = values.insecure === true;
  if (caPath === undefined && !insecure) return undefined;
  let ca: string | undefined;
  if (caPath !== undefined) {
    try {
      ca = readFileSync(caPath, 'utf8');
    } catch (error) {
      throw new UsageError(`--ca ${caPath}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
  }
  return { ...(ca === undefined ? {} : { ca }), insecure };
}

/** The `fetch` init these commands use. */
export interface SendInit {
  method?: string;
  headers?: Record<string, string>;
  body?: string | URLSearchParams | null;
  signal?: AbortSignal;
}

export type Send = (url: string | URL, init?: SendInit) => Promise<Response>;

/** Statuses whose response has no body (a `Response` refuses one). */
const NULL_BODY = new Set([204, 205, 304]);

/** `fetch`, or a fetch through `node:https` with `trust`. */
export function sendWith(trust: TlsTrust | undefined): Send {
  if (trust === undefined) return (url, init) => fetch(url, init);
  return (url, init = {}) =>
    new Promise<Response>((resolve, reject) => {
      const target = new URL(url);
      const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
      const req = request(
        target,
        {
          method: init.method ?? 'GET',
          headers: init.headers ?? {},
          ...(init.signal === undefined ? {} : { signal: init.signal }),
          ...(trust.ca === undefined ? {} : { ca: trust.ca }),
          rejectUnauthorized: trust.insecure !== true,
        },
        (res) => resolve(toResponse(res, init.method === 'HEAD')),
      );
      req.on('error', reject);
      req.end(init.body == null ? undefined : String(init.body));
    });
}

function toResponse(res: IncomingMessage, head: boolean): Response {
  const headers = new Headers();
  for (const [name, value] of Object.entries(res.headers)) {
    for (const one of [value ?? []].flat()) headers.append(name, one);
  }
  const status = res.statusCode ?? 502;
  if (head || NULL_BODY.has(status)) {
    res.resume();
    return new Response(null, { status, headers });
  }
  return new Response(Readable.toWeb(res) as ReadableStream<Uint8Array>, {
    status,
    statusText: res.statusMessage ?? '',
    headers,
  });
}
