/**
 * How `hotline doctor` reaches an endpoint: plain HTTP/1.1, or TLS offering HTTP/2 and HTTP/1.1 by ALPN —
 * what a browser does — then HTTP/2 or HTTP/1.1 on that very connection, so the report says what a browser
 * would get. The certificate is read on the way (trust, names, expiry); an untrusted one is a finding, not a
 * failure, so the rest of the diagnosis still runs.
 * @module
 */
import { once } from 'node:events';
import { request as httpRequest, type IncomingHttpHeaders, type IncomingMessage } from 'node:http';
import { connect as http2Connect } from 'node:http2';
import { isIP } from 'node:net';
import type { Readable } from 'node:stream';
import { type TLSSocket, connect as tlsConnect } from 'node:tls';
import type { TlsTrust } from './tls-trust.js';

/** What the TLS handshake showed. */
export interface TlsFindings {
  /** `TLSv1.3`, `TLSv1.2`… */
  readonly version: string | null;
  /** The protocol ALPN chose: `h2`, `http/1.1`, or `none` when the server chose none (HTTP/1.1). */
  readonly alpn: string;
  /** The certificate chains to a trusted CA (the system's, or `--ca`) and names the host. */
  readonly trusted: boolean;
  /** Why it is not trusted (an OpenSSL code such as `DEPTH_ZERO_SELF_SIGNED_CERT`). */
  readonly trustError: string | undefined;
  readonly subject: string | undefined;
  readonly issuer: string | undefined;
  /** When the certificate expires (ISO 8601). */
  readonly expires: string | undefined;
  /** Whole days until it expires (negative once expired). */
  readonly daysLeft: number | undefined;
}

/** A response head and its body, over HTTP/1.1 or HTTP/2. */
export interface OpenedResponse {
  readonly status: number;
  /** `1.1` or `2`. */
  readonly httpVersion: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Readable;
  readonly tls: TlsFindings | undefined;
  /** Ends the request and its connection. */
  close(): void;
}

const DAY_MS = 86_400_000;

/**
 * Sends a GET for `target` and resolves at the response head; `undefined` when no head arrived within
 * `watchMs` (a finding: a buffering proxy holds the head back with the body).
 */
export async function openResponse(
  target: URL,
  headers: Record<string, string>,
  watchMs: number,
  trust: TlsTrust | undefined,
): Promise<OpenedResponse | undefined> {
  if (target.protocol !== 'https:') return openHttp1(target, headers, watchMs, undefined, undefined);
  const socket = await handshake(target, trust, watchMs);
  const tls = tlsFindings(socket, trust);
  if (socket.alpnProtocol === 'h2') return openHttp2(target, headers, watchMs, socket, tls);
  return openHttp1(target, headers, watchMs, socket, tls);
}

async function handshake(target: URL, trust: TlsTrust | undefined, watchMs: number): Promise<TLSSocket> {
  const host = target.hostname.replace(/^\[|\]$/g, '');
  const socket = tlsConnect({
    host,
    port: Number(target.port || 443),
    // SNI takes a name, never an address.
    ...(isIP(host) === 0 ? { servername: host } : {}),
    ALPNProtocols: ['h2', 'http/1.1'],
    ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
    // Checked below and reported: an untrusted certificate is one of the findings.
    rejectUnauthorized: false,
  });
  // A peer that accepts the connection but never answers the handshake must not hold the doctor forever.
  socket.setTimeout(watchMs, () => {
    const error: NodeJS.ErrnoException = new Error(`the TLS handshake did not finish within ${watchMs} ms`);
    error.code = 'ETIMEDOUT';
    socket.destroy(error);
  });
  await once(socket, 'secureConnect');
  socket.setTimeout(0);
  return socket;
}

function tlsFindings(socket: TLSSocket, trust: TlsTrust | undefined): TlsFindings {
  const cert = socket.getPeerCertificate();
  const expires = cert.valid_to === undefined ? undefined : new Date(cert.valid_to);
  const trustError = socket.authorized ? undefined : String(socket.authorizationError ?? 'unknown');
  return {
    version: socket.getProtocol(),
    alpn: socket.alpnProtocol === false || socket.alpnProtocol === null ? 'none' : socket.alpnProtocol,
    // With --insecure the user chose to accept any certificate: not a finding.
    trusted: socket.authorized || trust?.insecure === true,
    trustError,
    subject: firstValue(cert.subject?.CN),
    issuer: firstValue(cert.issuer?.CN ?? cert.issuer?.O),
    expires: expires?.toISOString(),
    daysLeft: expires === undefined ? undefined : Math.floor((expires.getTime() - Date.now()) / DAY_MS),
  };
}

function firstValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function openHttp1(
  target: URL,
  headers: Record<string, string>,
  watchMs: number,
  socket: TLSSocket | undefined,
  tls: TlsFindings | undefined,
): Promise<OpenedResponse | undefined> {
  return new Promise((resolve, reject) => {
    const onResponse = (response: IncomingMessage) =>
      resolve({
        status: response.statusCode ?? 0,
        httpVersion: response.httpVersion,
        headers: response.headers,
        body: response,
        tls,
        close: () => response.destroy(),
      });
    // Over TLS, HTTP/1.1 goes on the connection whose handshake was just inspected.
    const req =
      socket === undefined
        ? httpRequest(target, { headers }, onResponse)
        : httpRequest({ ...urlParts(target), headers, createConnection: () => socket }, onResponse);
    req.on('error', reject);
    req.setTimeout(watchMs, () => {
      req.destroy();
      resolve(undefined);
    });
    req.end();
  });
}

function urlParts(target: URL) {
  return { host: target.hostname, port: Number(target.port || 443), path: `${target.pathname}${target.search}` };
}

async function openHttp2(
  target: URL,
  headers: Record<string, string>,
  watchMs: number,
  socket: TLSSocket,
  tls: TlsFindings,
): Promise<OpenedResponse | undefined> {
  const session = http2Connect(target.origin, { createConnection: () => socket });
  session.on('error', () => {}); // reported through the stream's own error
  const lowerCased = Object.fromEntries(Object.entries(headers).map(([name, value]) => [name.toLowerCase(), value]));
  const stream = session.request({ ':path': `${target.pathname}${target.search}`, ...lowerCased });
  const close = () => {
    stream.close();
    session.destroy();
  };
  const timer = setTimeout(close, watchMs);
  try {
    const [head] = (await Promise.race([once(stream, 'response'), once(stream, 'close')])) as [
      IncomingHttpHeaders | undefined,
    ];
    if (head === undefined) return undefined;
    const { ':status': status, ...rest } = head;
    return { status: Number(status), httpVersion: '2', headers: rest, body: stream, tls, close };
  } finally {
    clearTimeout(timer);
  }
}
