import assert from 'node:assert/strict';
import { once } from 'node:events';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { connect as tlsConnect } from 'node:tls';
import { runCli } from '../fixtures/cli-process.js';
import { SECRET, token } from '../fixtures/hub.js';
import { startHubProcess } from '../fixtures/hub-process.js';
import { selfSignedCertificate } from '../fixtures/tls.js';

/** The common name of the certificate a new TLS handshake with `port` is shown. */
async function servedName(port: number, ca: string[]): Promise<string> {
  const socket = tlsConnect({ port, host: '127.0.0.1', ca, servername: 'localhost' });
  try {
    await once(socket, 'secureConnect');
    return String(socket.getPeerCertificate().subject.CN);
  } finally {
    socket.destroy();
  }
}

/** Resolves once `text()` matches `pattern` (polled: the hub logs asynchronously). */
async function waitFor(text: () => string, pattern: RegExp, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!pattern.test(text())) {
    if (Date.now() > deadline) throw new Error(`never saw ${pattern} in: ${text()}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('hotline serve --tls-cert --tls-key', () => {
  test('serves HTTPS, and SIGHUP swaps the certificate without dropping an open stream', async () => {
    const first = selfSignedCertificate('first');
    const second = selfSignedCertificate('second');
    const dir = mkdtempSync(join(tmpdir(), 'hotline-serve-tls-'));
    const certPath = join(dir, 'cert.pem');
    const keyPath = join(dir, 'key.pem');
    copyFileSync(first.certPath, certPath);
    copyFileSync(first.keyPath, keyPath);
    const ca = [first.cert, second.cert];
    const hub = await startHubProcess({
      dataDir: join(dir, 'data'),
      args: ['--tls-cert', certPath, '--tls-key', keyPath, '--allow-anonymous', '--jwt-secret', SECRET],
    });
    const port = Number(new URL(hub.origin).port);
    const session = connect(`https://localhost:${port}`, { ca });
    try {
      assert.match(hub.origin, /^https:\/\//, 'the printed URL says https');
      await waitFor(hub.output, /HTTPS with HTTP\/2 and HTTP\/1\.1 \(certificate expires \d{4}-/);
      const stream = session.request({ ':path': '/.well-known/mercure?topic=/renewal' });
      const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
      assert.equal(headers[':status'], 200);
      stream.setEncoding('utf8');
      let received = '';
      stream.on('data', (chunk: string) => {
        received += chunk;
      });
      assert.equal(await servedName(port, ca), 'first');

      copyFileSync(second.certPath, certPath);
      copyFileSync(second.keyPath, keyPath);
      hub.kill('SIGHUP');
      await waitFor(hub.output, /TLS certificate reloaded/);
      assert.equal(await servedName(port, ca), 'second');

      writeFileSync(keyPath, first.key); // a key of another certificate
      hub.kill('SIGHUP');
      await waitFor(hub.output, /TLS certificate not reloaded; still serving the previous one/);
      assert.equal(await servedName(port, ca), 'second');

      const published = await runCli(
        ['publish', '--url', `${hub.origin}/.well-known/mercure`, '-t', '/renewal', '--data', 'after reload'],
        // NODE_EXTRA_CA_CERTS: how any Node program (fetch included) trusts a self-signed certificate.
        { env: { HOTLINE_TOKEN: await token({ publish: ['*'] }), NODE_EXTRA_CA_CERTS: second.certPath } },
      );
      assert.equal(published.code, 0, published.stderr);
      await waitFor(() => received, /data: after reload/);
      assert.equal(stream.closed, false, 'the stream opened before both reloads is still open');
    } finally {
      session.destroy();
      hub.kill('SIGTERM');
      await once(hub.child, 'exit');
      rmSync(dir, { recursive: true, force: true });
      first.remove();
      second.remove();
    }
  });

  test('a certificate without its key is a usage error, exit 2, one line', async () => {
    const cert = selfSignedCertificate();
    try {
      const result = await runCli(['serve', '--tls-cert', cert.certPath, '--log', 'memory']);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--tls-cert and --tls-key go together/);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
    } finally {
      cert.remove();
    }
  });

  test('an unreadable key file is named, exit 2', async () => {
    const cert = selfSignedCertificate();
    try {
      const result = await runCli([
        'serve',
        '--tls-cert',
        cert.certPath,
        '--tls-key',
        join(cert.dir, 'missing.pem'),
        '--log',
        'memory',
      ]);
      assert.equal(result.code, 2);
      assert.match(result.stderr, /--tls-key .*missing\.pem: ENOENT/);
    } finally {
      cert.remove();
    }
  });
});
