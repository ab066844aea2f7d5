/**
 * The hub's listening server: plain HTTP/1.1 (`node:http`), or — given a certificate — HTTPS where HTTP/2
 * and HTTP/1.1 share one port, chosen per connection by ALPN (`node:http2` with `allowHTTP1`). Both answer
 * through the same router with the same timeouts, and both stop the same way: {@link HubServer.stopAccepting}
 * for a drain (HTTP/2 sessions get GOAWAY), {@link HubServer.close} to cut everything at once.
 * @module
 */
import { createServer, type Server } from 'node:http';
import { type HubServer, http1Timeouts, listenOn, stopAccepting, type TlsCredentials } from './listen.js';
import type { ResolvedHubOptions } from './options.js';
import type { Router } from './router.js';
import { createSecureHubServer } from './secure-server.js';

export function createHubServer(config: ResolvedHubOptions, router: Router, tls?: TlsCredentials): HubServer {
  if (tls !== undefined) return createSecureHubServer(config, router, tls);
  const server = createPlainServer(config, router);
  return {
    scheme: 'http',
    listen: (port, host) => listenOn(server, port, host),
    stopAccepting: (graceMs) => stopAccepting(server, graceMs),
    close() {
      const closing = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      return closing;
    },
    setCredentials() {
      throw new TypeError('the hub listens without TLS: there is no certificate to replace');
    },
  };
}

function createPlainServer(config: ResolvedHubOptions, router: Router): Server {
  const server = createServer(http1Timeouts(config), router.handler);
  server.on('clientError', router.onClientError);
  server.on('connect', router.onConnect);
  return server;
}
