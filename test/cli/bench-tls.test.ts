import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import type { LoadResult } from '../../src/cli/bench/index.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { runCli } from '../fixtures/cli-process.js';
import { SECRET, token } from '../fixtures/hub.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';

const run = promisify(execFile);

/** TCP connections established to `port`, counted on the hub's side by the kernel (`ss`). */
async function establishedTo(port: number): Promise<number> {
  const { stdout } = await run('ss', ['-Htn', 'state', 'established', `( sport = :${port} )`]);
  return stdout.split('\n').filter((line) => line.trim() !== '').length;
}

describe('hotline bench against an HTTPS hub', () => {
  let cert: TestCertificate;
  let hub: Hub;
  let endpoint: string;
  let port: number;
  before(async () => {
    cert = selfSignedCertificate();
    hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, heartbeatMs: 0 });
    ({ port } = await hub.listen(0, '127.0.0.1', { tls: cert }));
    endpoint = `https://localhost:${port}/.well-known/mercure`;
  });
  after(async () => {
    await hub?.close();
    cert?.remove();
  });

  test('with --ca, 20 subscribers get every one of 10 updates; without it, none connects', async () => {
    const args = [endpoint, '-n', '20', '--count', '10', '--topic', '/bench/tls', '--idle-timeout-ms', '1000'];
    const env = { HOTLINE_TOKEN: await token({ publish: ['*'] }) };
    const trusted = await runCli(['bench', ...args, '--ca', cert.certPath], { env });
    assert.equal(trusted.code, 0, trusted.stderr);
    const result = JSON.parse(trusted.stdout) as LoadResult;
    assert.equal(result.subscribers.connected, 20);
    assert.equal(result.publish?.sent, 10);
    assert.equal(result.frames.received, 200);
    assert.equal(result.frames.lost, 0);

    const untrusted = await runCli(['bench', ...args, '--count', '0'], { env });
    assert.equal(untrusted.code, 1);
    const refused = JSON.parse(untrusted.stdout) as LoadResult;
    assert.equal(refused.subscribers.connected, 0);
    assert.equal(refused.subscribers.failed, 20);
  });

  test('--http2: 150 subscribers as HTTP/2 streams on 2 connections get every update', async () => {
    const env = { HOTLINE_TOKEN: await token({ publish: ['*'] }) };
    const args = [endpoint, '--http2', '--ca', cert.certPath, '-n', '150', '--count', '10', '--topic', '/bench/h2'];
    const running = runCli(['bench', ...args, '--idle-timeout-ms', '1000'], { env });
    // The kernel's count of connections to the hub while the 150 streams are open (publisher's included).
    let most = 0;
    let finished = false;
    void running.then(() => {
      finished = true;
    });
    while (!finished) {
      if (hub.subscriberCount === 150) most = Math.max(most, await establishedTo(port));
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    const done = await running;
    assert.equal(done.code, 0, done.stderr);
    const result = JSON.parse(done.stdout) as LoadResult;
    assert.equal(result.subscribers.connected, 150);
    assert.equal(result.frames.received, 1500);
    assert.equal(result.frames.lost, 0);
    assert.ok(most >= 2 && most <= 3, `${most} connections: 2 for 150 streams (100 per connection), 1 publisher`);
  });

  test('--http2 with an http: URL is a usage error', async () => {
    const result = await runCli(['bench', 'http://127.0.0.1:1/.well-known/mercure', '--http2', '--count', '0']);
    assert.equal(result.code, 2);
    assert.match(result.stderr, /--http2 needs an https: hub URL/);
  });
});
