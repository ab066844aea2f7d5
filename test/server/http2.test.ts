import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, createSecureServer, createServer, type Http2SecureServer, type Http2Server } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { createSession } from '../../src/server/index.js';

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
  const dir = mkdtempSync(join(tmpdir(), 'hotline-h2-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('a stream over cleartext HTTP/2 (h2c) has no Connection header and arrives intact', async () => {
    const { headers, text } = await roundTrip(createServer(), (port) => `http://127.0.0.1:${port}`);
    assert.equal(headers[':status'], 200);
    assert.equal(headers['content-type'], 'text/event-stream; charset=utf-8');
    assert.equal(headers.connection, undefined);
    assert.equal(text, ': ok\nevent: hello\nid: 1\ndata: over h2\n\nid: 2\ndata: line 1\ndata: line 2\n\n');
  });

  test('a stream over TLS HTTP/2 arrives intact', async () => {
    const key = join(dir, 'key.pem');
    const cert = join(dir, 'cert.pem');
    execFileSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:prime256v1',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { stdio: 'ignore' },
    );
    const server = createSecureServer({ key: readFileSync(key), cert: readFileSync(cert) });
    const { headers, text } = await roundTrip(server, (port) => `https://127.0.0.1:${port}`, readFileSync(cert));
    assert.equal(headers[':status'], 200);
    assert.match(text, /id: 2\ndata: line 1\ndata: line 2\n\n$/);
  });
});
