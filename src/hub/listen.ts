/**
 * What the hub's plain and secure servers share: their interface, the HTTP/1.1 timeouts, listening, and
 * stopping.
 * @module
 */
import type { AddressInfo, Server } from 'node:net';
import type { ResolvedHubOptions } from './options.js';

/** The PEM certificate (chain) and private key of the hub's HTTPS listener. */
export interface TlsCredentials {
  /** PEM certificate, followed by its intermediate certificates if any. */
  readonly cert: string | Buffer;
  /** PEM private key of the certificate. */
  readonly key: string | Buffer;
}

/** How the hub's server stops and reloads, whatever protocol it speaks. */
export interface HubServer {
  /** `'https'` when the server has a certificate (HTTP/2 + HTTP/1.1 by ALPN), else `'http'`. */
  readonly scheme: 'http' | 'https';
  listen(port: number, host: string): Promise<AddressInfo>;
  /** Stops accepting; resolves when the open connections have ended, or after `graceMs` at most. */
  stopAccepting(graceMs: number): Promise<void>;
  /** Closes every connection at once and resolves when the server is closed. */
  close(): Promise<void>;
  /** Replaces the certificate and key for new handshakes; open connections keep theirs. */
  setCredentials(credentials: TlsCredentials): void;
}

/**
 * Slowloris-safe: headers must arrive within headersTimeoutMs and a publish within requestTimeoutMs; a
 * stream, once its request is in, is bounded by neither. Node checks these timers only every
 * connectionsCheckingInterval, so that interval follows the timeout. The HTTPS server's HTTP/1.1 fallback
 * reads the same properties from its server.
 */
export function http1Timeouts(config: ResolvedHubOptions) {
  return {
    requestTimeout: config.requestTimeoutMs,
    headersTimeout: config.headersTimeoutMs,
    keepAliveTimeout: 5_000,
    connectionsCheckingInterval: Math.min(30_000, Math.max(50, Math.floor(config.headersTimeoutMs / 4))),
  };
}

/** Listens on `host:port` (every node:http and node:http2 server is a `net.Server`). */
export async function listenOn(server: Server, port: number, host: string): Promise<AddressInfo> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return server.address() as AddressInfo;
}

/** Stops accepting connections; resolves when the open ones have ended, or after `graceMs` at most. */
export function stopAccepting(server: Pick<Server, 'close'>, graceMs: number): Promise<void> {
  return new Promise<void>((resolve) => {
    const grace = setTimeout(resolve, graceMs);
    server.close(() => {
      clearTimeout(grace);
      resolve();
    });
  });
}
