/**
 * What `hotline doctor` says about how an endpoint is deployed, beyond buffering: the certificate (trust,
 * expiry), whether HTTP/2 was negotiated, the proxy that answered, and whether the stream's heartbeats come
 * often enough for a proxy's read timeout. Each finding names the setting to change (docs/deploy.md).
 * @module
 */
import type { TlsFindings } from './doctor-transport.js';

/** A certificate this close to expiry is worth a word: Caddy and certbot renew 30 days ahead. */
const EXPIRY_WARNING_DAYS = 14;
/** nginx's default `proxy_read_timeout`, the shortest common idle cut-off of a proxy. */
const NGINX_READ_TIMEOUT_MS = 60_000;

/** The part of a diagnosis these findings read and add to. */
export interface DeploymentFindings {
  readonly httpVersion: string;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly tls: TlsFindings | undefined;
  readonly heartbeatMs: number | undefined;
  readonly problems: string[];
  readonly advice: string[];
}

/** The proxy or server software that answered, from `Server`, else `Via`; the hub itself sends neither. */
export function proxyOf(headers: Record<string, string | string[] | undefined>): string | undefined {
  const server = [headers.server ?? []].flat()[0];
  if (server !== undefined && server !== '') return server;
  const via = [headers.via ?? []].flat()[0];
  return via === undefined || via === '' ? undefined : `via ${via}`;
}

export function judgeDeployment(d: DeploymentFindings): void {
  if (d.tls !== undefined) judgeTls(d, d.tls);
  else if (d.httpVersion === '1.1' && d.headers.connection === undefined) {
    d.advice.push(
      'Over HTTP/1.1 browsers allow 6 connections per origin: prefer HTTP/2, or share one stream between tabs.',
    );
  }
  if (d.heartbeatMs === 0) {
    d.advice.push(
      `The stream sends no heartbeats: a proxy closes a stream that stays silent past its read timeout (nginx proxy_read_timeout: ${NGINX_READ_TIMEOUT_MS / 1000} s by default). Turn them on (hotline serve --heartbeat-ms 15000) or raise the proxy's timeout.`,
    );
  } else if (d.heartbeatMs !== undefined && d.heartbeatMs >= NGINX_READ_TIMEOUT_MS) {
    d.advice.push(
      `Heartbeats every ${d.heartbeatMs / 1000} s: a proxy with a shorter read timeout (nginx proxy_read_timeout: ${NGINX_READ_TIMEOUT_MS / 1000} s by default) cuts quiet streams. Send them more often or raise the timeout.`,
    );
  }
}

function judgeTls(d: DeploymentFindings, tls: TlsFindings): void {
  if (!tls.trusted) {
    d.problems.push(`the certificate is not trusted (${tls.trustError}): browsers refuse the connection`);
    d.advice.push(
      'Use a certificate from a public CA — Caddy gets one on its own, certbot does for nginx (docs/deploy.md); to check a private CA or a self-signed certificate, pass it with --ca <file>.',
    );
  }
  if (tls.daysLeft !== undefined && tls.daysLeft < 0) {
    d.problems.push(`the certificate expired on ${tls.expires}`);
  } else if (tls.daysLeft !== undefined && tls.daysLeft < EXPIRY_WARNING_DAYS) {
    d.advice.push(
      `The certificate expires in ${tls.daysLeft} day${tls.daysLeft === 1 ? '' : 's'} (${tls.expires}): check that renewal runs; hotline serve re-reads --tls-cert/--tls-key on SIGHUP.`,
    );
  }
  if (tls.alpn !== 'h2') {
    d.advice.push(
      'HTTPS without HTTP/2: browsers allow 6 HTTP/1.1 connections per origin, so a 7th EventSource waits. Turn HTTP/2 on — nginx `listen 443 ssl http2;` (`http2 on;` from 1.25.1); Caddy and hotline serve --tls-cert serve it already.',
    );
  }
}

/** The report's lines for these findings. */
export function formatDeployment(d: DeploymentFindings & { proxy: string | undefined }): string[] {
  const lines: string[] = [];
  const { tls } = d;
  if (tls !== undefined) {
    const trust = tls.trusted ? 'trusted' : `NOT trusted (${tls.trustError})`;
    const expiry = tls.expires === undefined ? '' : `, expires ${tls.expires.slice(0, 10)} (${tls.daysLeft} days)`;
    lines.push(`  tls               ${tls.version ?? '?'}, ALPN ${tls.alpn}, ${trust}`);
    lines.push(`  certificate       ${tls.subject ?? '?'} by ${tls.issuer ?? '?'}${expiry}`);
  }
  const heartbeat =
    d.heartbeatMs === undefined ? 'not announced' : d.heartbeatMs === 0 ? 'none' : `every ${d.heartbeatMs} ms`;
  lines.push(`  heartbeat         ${heartbeat}`);
  lines.push(`  answered by       ${d.proxy ?? 'no Server or Via header'}`);
  return lines;
}
