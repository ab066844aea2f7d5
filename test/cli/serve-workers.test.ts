/**
 * `hotline serve --workers` as a user runs it: bad values are refused before anything starts, limits are
 * shared out, and an HTTPS hub on two workers serves HTTP/2 streams from both and reloads its certificate
 * in every worker on one SIGHUP to the primary. (Delivery, resume, metrics, drain: test/hub/workers.test.ts.)
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { type ClientHttp2Session, connect, type IncomingHttpHeaders } from 'node:http2';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { workerShare } from '../../src/cli/serve-workers.js';
import { runCli } from '../fixtures/cli-process.js';
import { SECRET, token } from '../fixtures/hub.js';
import { startHubProcess } from '../fixtures/hub-process.js';
import { renewableCertificate, servedName } from '../fixtures/tls.js';

async function until(condition: () => Promise<boolean> | boolean, what: string, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** GET over an HTTP/2 session; the body as text. */
async function get(session: ClientHttp2Session, path: string): Promise<string> {
  const stream = session.request({ ':path': path });
  stream.setEncoding('utf8');
  let body = '';
  stream.on('data', (chunk: string) => {
    body += chunk;
  });
  await once(stream, 'end');
  return body;
}

describe('hotline serve --workers', () => {
  test('refuses a count that is not a positive integer or auto, before starting anything', async () => {
    for (const value of ['0', '-1', 'many', '1.5', '257']) {
      const result = await runCli(['serve', '--workers', value, '--log', 'memory']);
      assert.equal(result.code, 2, `--workers ${value}: ${result.stderr}`);
      assert.match(result.stderr, /--workers/);
      assert.doesNotMatch(result.stdout, /listening/);
    }
  });

  test('each worker admits an even share of a limit, rounded up; 0 (no limit) stays 0', () => {
    assert.equal(workerShare(15_000, 2), 7_500);
    assert.equal(workerShare(5, 2), 3);
    assert.equal(workerShare(1, 4), 1);
    assert.equal(workerShare(0, 2), 0);
  });

  test('HTTPS on two workers: HTTP/2 streams on both get every update; one SIGHUP reloads the certificate in every worker', async () => {
    const tls = renewableCertificate('hotline-serve-workers-');
    const { dir, certPath, keyPath, ca, second } = tls;
    const hub = await startHubProcess({
      dataDir: join(dir, 'data'),
      args: [
        '--workers',
        '2',
        '--log',
        'memory',
        '--tls-cert',
        certPath,
        '--tls-key',
        keyPath,
        '--allow-anonymous',
        '--jwt-secret',
        SECRET,
      ],
      startTimeoutMs: 40_000,
    });
    const port = Number(new URL(hub.origin).port);
    const sessions: ClientHttp2Session[] = [];
    try {
      assert.match(hub.origin, /^https:\/\//);
      await until(
        () => hub.output().includes(`kill -HUP ${hub.child.pid} reloads it`),
        'the certificate announced, naming the primary to signal',
      );
      const received: string[] = [];
      for (let i = 0; i < 4; i++) {
        const session = connect(`https://localhost:${port}`, { ca });
        sessions.push(session);
        const stream = session.request({ ':path': '/.well-known/mercure?topic=/workers/tls' });
        const [headers] = (await once(stream, 'response')) as [IncomingHttpHeaders];
        assert.equal(headers[':status'], 200);
        stream.setEncoding('utf8');
        received.push('');
        stream.on('data', (chunk: string) => {
          received[i] += chunk;
        });
      }
      await until(async () => {
        const text = await get(sessions[0]!, '/metrics');
        const counts = [...text.matchAll(/^hotline_worker_subscribers\{[^}]*\} (\d+)/gm)].map((m) => Number(m[1]));
        return counts.length === 2 && counts.every((count) => count > 0);
      }, 'streams on both workers');

      tls.renew();
      hub.kill('SIGHUP');
      await until(() => (hub.output().match(/TLS certificate reloaded/g) ?? []).length === 2, 'both workers reloaded');
      for (let i = 0; i < 6; i++) assert.equal(await servedName(port, ca), 'second', 'every worker serves the new one');

      const published = await runCli(
        ['publish', '--url', `${hub.origin}/.well-known/mercure`, '-t', '/workers/tls', '--data', 'to every worker'],
        { env: { HOTLINE_TOKEN: await token({ publish: ['*'] }), NODE_EXTRA_CA_CERTS: second.certPath } },
      );
      assert.equal(published.code, 0, published.stderr);
      await until(() => received.every((text) => text.includes('data: to every worker')), 'every stream got it');
      assert.ok(
        sessions.every((session) => !session.closed),
        'the streams opened before the reload are still open',
      );
    } finally {
      for (const session of sessions) session.destroy();
      hub.kill('SIGTERM');
      await once(hub.child, 'exit');
      tls.remove();
    }
  });
});
