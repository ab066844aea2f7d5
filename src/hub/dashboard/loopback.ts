/**
 * Whether a request really comes from this machine, for the dashboard's automatic sign-in in `--dev`.
 * Three checks, each closing a way in:
 * - the TCP peer is a loopback address (not a header: headers are the client's to choose);
 * - no proxy header: a reverse proxy on this machine makes every remote visitor's peer address loopback,
 *   and such a proxy (nginx, Caddy) says so with `Forwarded`/`X-Forwarded-For`/`X-Real-IP`;
 * - the `Host` is a loopback name: a page on another site whose name was re-pointed at 127.0.0.1
 *   (DNS rebinding) is same-origin with the hub in the browser's eyes, but its `Host` is its own name.
 * @module
 */
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';
import { requestHost } from '../request-url.js';

const PROXY_HEADERS = ['forwarded', 'x-forwarded-for', 'x-forwarded-host', 'x-real-ip', 'via'] as const;
const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** True when the TCP peer is loopback, no proxy header is present, and `Host` names this machine. */
export function isLoopbackRequest(req: IncomingMessage): boolean {
  if (!isLoopbackAddress(req.socket.remoteAddress)) return false;
  for (const header of PROXY_HEADERS) if (req.headers[header] !== undefined) return false;
  return isLoopbackHost(requestHost(req.headers));
}

/** `127.0.0.0/8`, `::1`, and IPv4 loopback mapped into IPv6 (`::ffff:127.0.0.1`). */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const v4 = address.startsWith('::ffff:') ? address.slice('::ffff:'.length) : address;
  if (isIP(v4) === 4) return v4.startsWith('127.');
  return address === '::1';
}

function isLoopbackHost(host: string | undefined): boolean {
  if (host === undefined) return false;
  // The port is the hub's own; what matters is the name. `[::1]:3000` keeps its brackets.
  const name = host.startsWith('[') ? host.slice(0, host.indexOf(']') + 1) : host.split(':')[0]!;
  return LOOPBACK_HOSTS.has(name.toLowerCase());
}
