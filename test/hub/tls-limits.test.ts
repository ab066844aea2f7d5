/**
 * The HTTPS listener's own bounds: a TLS handshake, and HTTP/1.1 headers over TLS, must end within
 * headersTimeoutMs; an HTTP/2 connection carries at most 250 concurrent streams, and one with no stream
 * open is closed once idle.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { connect, createSecureServer, type Http2Session } from 'node:http2';
import { type AddressInfo, connect as tcpConnect } from 'node:net';
import { describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { createHub } from '../../src/hub/hub.js';
import { closeWhenIdle, MAX_CONCURRENT_STREAMS } from '../../src/hub/secure-server.js';
import { SECRET } from '../fixtures/hub.js';
import { selfSignedCertificate } from '../fixtures/tls.js';

describe('HTTPS listener bounds', () => {
  test('a TCP connection that never starts its TLS handshake is closed after headersTimeoutMs', async () => {
    const cert = selfSignedCertificate();
    const hub = await createHub({ publisherKey: { secret: SECRET }, headersTimeoutMs: 300 });
    try {
      const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
      const socket = tcpConnect(port, '127.0.0.1');
      socket.on('error', () => {});
      await once(socket, 'connect');
      const closed = once(socket, 'close');
      const cap = setTimeout(() => socket.destroy(new Error('still open after 10 s')), 10_000);
      await closed;
      clearTimeout(cap);
      assert.equal(socket.errored, null, 'closed by the hub, not by the 10 s cap');
    } finally {
      await hub.close();
      cert.remove();
    }
  });

  test('over HTTP/1.1 with TLS, headers still unfinished after headersTimeoutMs get the 408 of the plain server', async () => {
    const cert = selfSignedCertificate();
    const hub = await createHub({ publisherKey: { secret: SECRET }, headersTimeoutMs: 300 });
    try {
      const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
      const socket = tlsConnect({ port, host: '127.0.0.1', ca: cert.cert, servername: 'localhost' });
      await once(socket, 'secureConnect');
      socket.write('GET /healthz HTTP/1.1\r\nHost: local'); // and nothing more
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      await once(socket, 'close');
      assert.match(answer, /^HTTP\/1\.1 408 [\s\S]*"code":"HOTLINE_HUB_REQUEST_TIMEOUT"/);
    } finally {
      await hub.close();
      cert.remove();
    }
  });

  test(`an HTTP/2 client is told it may open ${MAX_CONCURRENT_STREAMS} streams at once`, async () => {
    const cert = selfSignedCertificate();
    const hub = await createHub({ publisherKey: { secret: SECRET } });
    const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
    const session = connect(`https://localhost:${port}`, { ca: cert.cert });
    try {
      const [settings] = (await once(session, 'remoteSettings')) as [{ maxConcurrentStreams?: number }];
      assert.equal(settings.maxConcurrentStreams, MAX_CONCURRENT_STREAMS);
    } finally {
      session.destroy();
      await hub.close();
      cert.remove();
    }
  });

  test('an idle HTTP/2 connection is closed only once no stream is open on it', async () => {
    const cert = selfSignedCertificate();
    const server = createSecureServer({ cert: cert.cert, key: cert.key }, (_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write(': open\n\n'); // then silence: a stream with heartbeats off
    });
    server.on('session', (session: Http2Session) => closeWhenIdle(session, 150));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const session = connect(`https://localhost:${(server.address() as AddressInfo).port}`, { ca: cert.cert });
    try {
      let goaway = false;
      session.on('goaway', () => {
        goaway = true;
      });
      const stream = session.request({ ':path': '/' });
      await once(stream, 'response');
      // Several idle periods pass with the stream open and silent: the connection stays.
      await new Promise((resolve) => setTimeout(resolve, 600));
      assert.equal(goaway, false);
      stream.close();
      await Promise.race([
        once(session, 'goaway'),
        new Promise((_, reject) => setTimeout(() => reject(new Error('no GOAWAY within 10 s')), 10_000).unref()),
      ]);
    } finally {
      session.destroy();
      server.close();
      cert.remove();
    }
  });
});
