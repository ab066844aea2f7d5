import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { type ClientHttp2Session, type ClientHttp2Stream, connect, type IncomingHttpHeaders } from 'node:http2';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { promisify } from 'node:util';
import { createGunzip } from 'node:zlib';
import { isHotlineError } from '../../src/errors.js';
import { AUTH_COOKIE } from '../../src/hub/auth/index.js';
import { createDashboard, type LoopbackAdmin } from '../../src/hub/dashboard/index.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import type { HubOptions } from '../../src/hub/options.js';
import { SECRET, token } from '../fixtures/hub.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';

const run = promisify(execFile);

interface SecureHub {
  hub: Hub;
  origin: string;
  port: number;
}

async function startSecureHub(cert: TestCertificate, options: HubOptions = {}): Promise<SecureHub> {
  const hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, heartbeatMs: 0, ...options });
  const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
  return { hub, port, origin: `https://localhost:${port}` };
}

/** One HTTP/2 request; resolves at the response head, the body left to read from `stream`. */
async function h2Request(
  session: ClientHttp2Session,
  headers: Record<string, string>,
  body?: string,
): Promise<{ headers: IncomingHttpHeaders; stream: ClientHttp2Stream }> {
  const stream = session.request(headers, { endStream: body === undefined });
  if (body !== undefined) stream.end(body);
  const [response] = (await once(stream, 'response')) as [IncomingHttpHeaders];
  return { headers: response, stream };
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  let text = '';
  stream.setEncoding('utf8');
  for await (const chunk of stream) text += chunk;
  return text;
}

/** Reads `stream` until `pattern` shows up in what arrived; resolves with all of it. */
function readUntil(stream: NodeJS.ReadableStream, pattern: RegExp): Promise<string> {
  return new Promise((resolve, reject) => {
    let text = '';
    const onData = (chunk: Buffer | string) => {
      text += chunk.toString();
      if (pattern.test(text)) {
        stream.off('data', onData);
        resolve(text);
      }
    };
    stream.on('data', onData);
    stream.once('error', reject);
    stream.once('end', () => reject(new Error(`the stream ended before ${pattern}: ${JSON.stringify(text)}`)));
  });
}

function subscribePath(topic: string): string {
  return `/.well-known/mercure?topic=${encodeURIComponent(topic)}`;
}

async function publishH2(session: ClientHttp2Session, topic: string, data: string): Promise<number> {
  const { headers, stream } = await h2Request(
    session,
    {
      ':method': 'POST',
      ':path': '/.well-known/mercure',
      authorization: `Bearer ${await token({ publish: ['*'] })}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    new URLSearchParams({ topic, data }).toString(),
  );
  await readAll(stream);
  return Number(headers[':status']);
}

describe('HTTPS and HTTP/2 on one port', () => {
  let cert: TestCertificate;
  let running: SecureHub;
  before(async () => {
    cert = selfSignedCertificate();
    running = await startSecureHub(cert, { maxConnectionsPerIp: 3 });
  });
  after(async () => {
    await running?.hub.close();
    cert?.remove();
  });

  test('curl gets HTTP/2 and HTTP/1.1 from the same port, chosen by ALPN', async () => {
    const versions: string[] = [];
    for (const flag of ['--http2', '--http1.1']) {
      const { stdout } = await run('curl', [
        '-sS',
        flag,
        '--cacert',
        cert.certPath,
        '-o',
        '/dev/null',
        '-w',
        '%{http_version} %{http_code}',
        `${running.origin}/healthz`,
      ]);
      versions.push(stdout);
    }
    assert.deepEqual(versions, ['2 200', '1.1 200']);
  });

  test('a TLS client that offers no ALPN is served HTTP/1.1', async () => {
    const socket = tlsConnect({ port: running.port, host: '127.0.0.1', ca: cert.cert, servername: 'localhost' });
    await once(socket, 'secureConnect');
    assert.equal(socket.alpnProtocol, false);
    socket.end('GET /healthz HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n');
    const answer = await readAll(socket);
    assert.match(answer, /^HTTP\/1\.1 200/);
  });

  test('over HTTP/1.1 with TLS, an unparseable request and CONNECT get the JSON errors of the plain server', async () => {
    const answers: string[] = [];
    for (const request of [
      'NOT HTTP AT ALL\r\n\r\n',
      'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com\r\n\r\n',
    ]) {
      const socket = tlsConnect({ port: running.port, host: '127.0.0.1', ca: cert.cert, servername: 'localhost' });
      await once(socket, 'secureConnect');
      socket.write(request);
      answers.push(await readAll(socket));
    }
    assert.match(answers[0]!, /^HTTP\/1\.1 400 [\s\S]*"code":"HOTLINE_HUB_BAD_REQUEST"/);
    assert.match(answers[1]!, /^HTTP\/1\.1 405 [\s\S]*"code":"HOTLINE_HUB_METHOD_NOT_ALLOWED"/);
  });

  test('over HTTP/2, a subscriber gets what is published, with no Connection header', async () => {
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const { headers, stream } = await h2Request(session, {
        ':path': subscribePath('/h2/news'),
        accept: 'text/event-stream',
      });
      assert.equal(session.alpnProtocol, 'h2');
      assert.equal(headers[':status'], 200);
      assert.match(String(headers['content-type']), /^text\/event-stream/);
      assert.equal(headers.connection, undefined, 'HTTP/2 forbids Connection (RFC 9113 §8.2.2)');
      assert.equal(await publishH2(session, '/h2/news', 'over h2'), 200);
      assert.match(await readUntil(stream, /data: over h2\n\n/), /data: over h2/);
      stream.close();
    } finally {
      session.close();
    }
  });

  test('over HTTP/1.1 with TLS, a subscriber gets what is published, with Connection: keep-alive', async () => {
    const response = await new Promise<import('node:http').IncomingMessage>((resolve, reject) => {
      const req = httpsRequest(
        `${running.origin}${subscribePath('/h1/news')}`,
        { ca: cert.cert, headers: { accept: 'text/event-stream' } },
        resolve,
      );
      req.on('error', reject);
      req.end();
    });
    try {
      assert.equal(response.httpVersion, '1.1');
      assert.equal(response.statusCode, 200);
      assert.equal(response.headers.connection, 'keep-alive');
      await running.hub.publish({ topics: ['/h1/news'], data: 'over h1' });
      assert.match(await readUntil(response, /data: over h1\n\n/), /data: over h1/);
    } finally {
      response.destroy();
    }
  });

  test('streams are compressed over HTTP/2 for a client that accepts gzip', async () => {
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const { headers, stream } = await h2Request(session, {
        ':path': subscribePath('/h2/gzip'),
        accept: 'text/event-stream',
        'accept-encoding': 'gzip',
      });
      assert.equal(headers['content-encoding'], 'gzip');
      const gunzip = stream.pipe(createGunzip());
      await running.hub.publish({ topics: ['/h2/gzip'], data: 'squeezed' });
      assert.match(await readUntil(gunzip, /data: squeezed\n\n/), /data: squeezed/);
      stream.close();
    } finally {
      session.close();
    }
  });

  test('errors are the same JSON over HTTP/2: 404, 400, 405 for CONNECT', async () => {
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const cases: [Record<string, string>, number, string][] = [
        [{ ':path': '/nope' }, 404, 'HOTLINE_HUB_NOT_FOUND'],
        [{ ':path': '/.well-known/mercure' }, 400, 'HOTLINE_HUB_BAD_REQUEST'],
        [{ ':method': 'CONNECT', ':authority': 'example.com:443' }, 405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED'],
      ];
      for (const [headers, status, code] of cases) {
        const response = await h2Request(session, headers);
        assert.equal(response.headers[':status'], status, JSON.stringify(headers));
        assert.equal(JSON.parse(await readAll(response.stream)).error.code, code);
      }
    } finally {
      session.close();
    }
  });

  test('the per-address connection limit counts HTTP/2 streams of one connection: the 4th gets 429', async () => {
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const open: ClientHttp2Stream[] = [];
      for (let i = 0; i < 3; i++) {
        const { headers, stream } = await h2Request(session, { ':path': subscribePath(`/limit/${i}`) });
        assert.equal(headers[':status'], 200);
        open.push(stream);
      }
      const refused = await h2Request(session, { ':path': subscribePath('/limit/3') });
      assert.equal(refused.headers[':status'], 429);
      assert.equal(JSON.parse(await readAll(refused.stream)).error.code, 'HOTLINE_HUB_TOO_MANY_CONNECTIONS');
      for (const stream of open) stream.close();
    } finally {
      session.close();
    }
  });

  test('a cookie-authorized publish from the hub’s own page passes the origin check (:authority is the host)', async () => {
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const { headers, stream } = await h2Request(
        session,
        {
          ':method': 'POST',
          ':path': '/.well-known/mercure',
          cookie: `${AUTH_COOKIE}=${await token({ publish: ['*'] })}`,
          origin: running.origin,
          'content-type': 'application/x-www-form-urlencoded',
        },
        'topic=/cookie&data=x',
      );
      const body = await readAll(stream);
      assert.equal(headers[':status'], 200, body);
    } finally {
      session.close();
    }
  });
});

describe('HTTPS hub, dashboard', () => {
  test('the dashboard signs a browser on this machine in over HTTP/2 too (:authority is the Host)', async () => {
    const cert = selfSignedCertificate();
    const loopbackAdmin: LoopbackAdmin = { sign: (ttlSeconds) => token({ publish: ['*'], ttlSeconds }) };
    const running = await startSecureHub(cert, { extension: (host) => createDashboard(host, { loopbackAdmin }) });
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const { headers, stream } = await h2Request(session, { ':method': 'POST', ':path': '/dashboard/session' }, '');
      const body = await readAll(stream);
      assert.equal(headers[':status'], 200, body);
      assert.match(JSON.parse(body).token, /^ey/);
    } finally {
      session.destroy();
      await running.hub.close();
      cert.remove();
    }
  });
});

describe('HTTPS hub lifecycle', () => {
  test('a publish whose body never arrives gets 408 within requestTimeoutMs over HTTP/2', async () => {
    const cert = selfSignedCertificate();
    const running = await startSecureHub(cert, { requestTimeoutMs: 300 });
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const stream = session.request(
        {
          ':method': 'POST',
          ':path': '/.well-known/mercure',
          authorization: `Bearer ${await token({ publish: ['*'] })}`,
          'content-type': 'application/x-www-form-urlencoded',
        },
        { endStream: false },
      );
      stream.write('topic=/slow');
      const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
      assert.equal(headers[':status'], 408);
      assert.equal(JSON.parse(await readAll(stream)).error.code, 'HOTLINE_HUB_REQUEST_TIMEOUT');
    } finally {
      session.destroy();
      await running.hub.close();
      cert.remove();
    }
  });

  test('a drain ends the streams and sends GOAWAY on their HTTP/2 connection', async () => {
    const cert = selfSignedCertificate();
    const running = await startSecureHub(cert);
    const session = connect(running.origin, { ca: cert.cert });
    try {
      const { stream } = await h2Request(session, { ':path': subscribePath('/drain') });
      const goaway = once(session, 'goaway');
      const body = readAll(stream);
      await running.hub.drain({ windowMs: 50 });
      assert.match(await body, /retry: \d+/, 'the stream ended with a retry hint');
      await goaway;
    } finally {
      session.destroy();
      await running.hub.close();
      cert.remove();
    }
  });

  test('new credentials apply to new handshakes while an open stream keeps flowing', async () => {
    const first = selfSignedCertificate('first');
    const second = selfSignedCertificate('second');
    const running = await startSecureHub(first);
    const ca = [first.cert, second.cert];
    const session = connect(running.origin, { ca });
    try {
      const { stream } = await h2Request(session, { ':path': subscribePath('/reload') });
      const commonName = async () => {
        const socket = tlsConnect({ port: running.port, host: '127.0.0.1', ca, servername: 'localhost' });
        await once(socket, 'secureConnect');
        const name = socket.getPeerCertificate().subject.CN;
        socket.destroy();
        return name;
      };
      assert.equal(await commonName(), 'first');
      running.hub.setTlsCredentials(second);
      assert.equal(await commonName(), 'second');
      assert.throws(
        () => running.hub.setTlsCredentials({ cert: second.cert, key: first.key }),
        (error: unknown) => isHotlineError(error) && /TLS certificate and key cannot be used/.test(error.message),
      );
      assert.equal(await commonName(), 'second', 'a refused pair leaves the last good one in place');
      await running.hub.publish({ topics: ['/reload'], data: 'still here' });
      assert.match(await readUntil(stream, /data: still here\n\n/), /still here/);
    } finally {
      session.destroy();
      await running.hub.close();
      first.remove();
      second.remove();
    }
  });

  test('listen refuses a key that does not belong to the certificate, with a clear error', async () => {
    const first = selfSignedCertificate('first');
    const second = selfSignedCertificate('second');
    const hub = await createHub({ publisherKey: { secret: SECRET } });
    try {
      await assert.rejects(
        hub.listen(0, '127.0.0.1', { tls: { cert: first.cert, key: second.key } }),
        (error: unknown) => isHotlineError(error) && error.code === 'HOTLINE_HUB_INVALID_OPTIONS',
      );
    } finally {
      await hub.close();
      first.remove();
      second.remove();
    }
  });
});
