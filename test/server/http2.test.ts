import assert from 'node:assert/strict';
import { connect, createSecureServer, createServer, type Http2SecureServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { createSession } from '../../src/server/index.js';
import { selfSignedCertificate } from '../fixtures/tls.js';

/** Serves one event stream over HTTP/2 and reads it with Node's http2 client. */
async function roundTrip(server: Http2Server | Http2SecureServer, origin: (port: number) => string, ca?: Buffer) {
  server.on('request', (req, res) => {
    const session = createSession(req, res, { heartbeatMs: 0 });
    session.send('over h2', { event: 'hello', id: '1' });
    session.send('line 1\nline 2', { id: '2' });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const client = connect(origin((server.address() as AddressInfo).port), ca ? { ca } : {});
  try {
    const stream = client.request({ ':path': '/', accept: 'text/event-stream' });
    const headers = await new Promise<Record<string, unknown>>((resolve) => stream.once('response', resolve));
    let text = '';
    stream.setEncoding('utf8');
    await new Promise<void>((resolve) => {
      stream.on('data', (chunk: string) => {
        text += chunk;
        if (text.includes('data: line 2\n\n')) resolve();
      });
    });
    stream.close();
    return { headers, text };
  } finally {
    client.close();
    await new Promise((resolve) => server.close(resolve));
  }
}

describe('HTTP/2', () => {
  test('a stream over cleartext HTTP/2 (h2c) has no Connection header and arrives intact', async () => {
    const { headers, text } = await roundTrip(createServer(), (port) => `http://127.0.0.1:${port}`);
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(headers.connection, undefined);
    assert.equal(text, ': ok\nevent: hello\nid: 1\ndata: over h2\n\nid: 2\ndata: line 1\ndata: line 2\n\n');
  });

  test('a stream over TLS HTTP/2 arrives intact', async () => {
    const certificate = selfSignedCertificate('127.0.0.1', 1);
    try {
      const server = createSecureServer({ key: certificate.key, cert: certificate.cert });
      const { headers, text } = await roundTrip(
        server,
        (port) => `https://127.0.0.1:${port}`,
        Buffer.from(certificate.cert),
      );
      assert.equal(headers[':status'], 200);
      assert.match(text, /id: 2\ndata: line 1\ndata: line 2\n\n$/);
    } finally {
      certificate.remove();
    }
  });
});
