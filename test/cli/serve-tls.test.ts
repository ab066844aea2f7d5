import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { connect, type IncomingHttpHeaders } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { promisify } from 'node:util';
import { runCli } from '../fixtures/cli-process.js';
import { SECRET, token } from '../fixtures/hub.js';
import { startHubProcess } from '../fixtures/hub-process.js';
import { renewableCertificate, selfSignedCertificate, servedName } from '../fixtures/tls.js';

const run = promisify(execFile);

/** The common name of the certificate a new TLS handshake with `port` is shown. */
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
    const tls = renewableCertificate('hotline-serve-tls-', 1);
    const { dir, certPath, keyPath, ca, first, second } = tls;
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

      tls.renew();
      hub.kill('SIGHUP');
      await waitFor(hub.output, /TLS certificate reloaded/);
      await waitFor(hub.output, /the TLS certificate expires within 14 days: renew it, then kill -HUP \d+/);
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
      tls.remove();
    }
  });

  test("the README's self-signed quick start works as written", async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    const section = readme.slice(readme.indexOf('### HTTPS and HTTP/2'));
    const block = /```sh\n([\s\S]*?)```/.exec(section)![1]!.replace(/\\\n\s*/g, '');
    const [openssl, start, , curl] = block.split('\n');
    assert.match(openssl!, /^openssl req /);
    assert.match(start!, /^npm start -- --tls-cert cert\.pem --tls-key key\.pem/);
    const dir = mkdtempSync(join(tmpdir(), 'hotline-readme-tls-'));
    let hub: Awaited<ReturnType<typeof startHubProcess>> | undefined;
    try {
      await run('bash', ['-c', openssl!], { cwd: dir });
      // `npm start` is `hotline serve --dev`; the port is a free one instead of 3000.
      hub = await startHubProcess({
        dataDir: join(dir, 'data'),
        args: ['--dev', '--tls-cert', join(dir, 'cert.pem'), '--tls-key', join(dir, 'key.pem')],
      });
      const port = new URL(hub.origin).port;
      // curl -N streams until stopped: two seconds of it, then its output.
      const streamed = await run('bash', ['-c', `${curl!.replace(':3000/', `:${port}/`)} --max-time 2 -sS -i`], {
        cwd: dir,
      }).then(
        () => ({ code: 0, stdout: '' }),
        (error: { code: number; stdout: string }) => error,
      );
      assert.equal(streamed.code, 28, 'stopped by --max-time, not by an error');
      assert.match(streamed.stdout, /^HTTP\/2 200/);
      assert.match(streamed.stdout, /content-type: text\/event-stream/);
    } finally {
      hub?.kill('SIGTERM');
      if (hub !== undefined && hub.child.exitCode === null) await once(hub.child, 'exit');
      rmSync(dir, { recursive: true, force: true });
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
