import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { after, before, describe, test } from 'node:test';
import { sendWith } from '../../src/cli/tls-trust.js';
import { connect } from '../../src/client/index.js';
import type { FetchLike } from '../../src/client/types.js';
import { createHub, type Hub } from '../../src/hub/hub.js';
import { runCli } from '../fixtures/cli-process.js';
import { SECRET, token } from '../fixtures/hub.js';
import { waitUntil } from '../fixtures/sse-test-server.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

describe('clients of an HTTPS hub with a self-signed certificate', () => {
  let cert: TestCertificate;
  let hub: Hub;
  let endpoint: string;
  before(async () => {
    cert = selfSignedCertificate();
    hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, heartbeatMs: 0 });
    const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
    endpoint = `https://localhost:${port}/.well-known/mercure`;
  });
  after(async () => {
    await hub?.close();
    cert?.remove();
  });

  test('hotline publish refuses the unknown certificate in one line, and publishes with --ca or --insecure', async () => {
    const env = { HOTLINE_TOKEN: await token({ publish: ['*'] }) };
    const base = ['publish', '--url', endpoint, '-t', '/trust', '--data', 'x'];
    const refused = await runCli(base, { env });
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /cannot verify the certificate of .* — pass --ca <file>/);
    assert.equal(refused.stderr.trim().split('\n').length, 1, refused.stderr);
    for (const trust of [['--ca', cert.certPath], ['--insecure']]) {
      const published = await runCli([...base, ...trust], { env });
      assert.equal(published.code, 0, published.stderr);
      assert.match(published.stdout, /^urn:uuid:/);
    }
  });

  test('https:// to a plain-HTTP hub is one line saying to use http://', async () => {
    const plain = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true });
    try {
      const { port } = await plain.listen(0, '127.0.0.1');
      const url = `https://127.0.0.1:${port}/.well-known/mercure`;
      for (const args of [
        ['publish', '--url', url, '-t', '/x', '--data', 'x'],
        ['doctor', `${url}?topic=/x`],
      ]) {
        const result = await runCli(args, { env: { HOTLINE_TOKEN: await token({ publish: ['*'] }) } });
        assert.equal(result.code, 1, result.stderr);
        assert.match(result.stderr, /does not answer in TLS .* use http:\/\//);
        assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      }
    } finally {
      await plain.close();
    }
  });

  test('hotline subscribe --ca prints what is published', async () => {
    await waitUntil(() => hub.subscriberCount === 0, 5_000);
    const child = spawn(process.execPath, [
      '--import',
      'tsx',
      MAIN,
      'subscribe',
      '--url',
      endpoint,
      '-t',
      '/trust/sub',
      '--ca',
      cert.certPath,
      '--raw',
    ]);
    try {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      await waitUntil(() => hub.subscriberCount === 1, 15_000);
      await hub.publish({ topics: ['/trust/sub'], data: 'through --ca' });
      await waitUntil(() => stdout.includes('through --ca\n'), 10_000);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });

  test('connect() from hotline/client receives over HTTPS through a fetch that trusts the certificate', async () => {
    await waitUntil(() => hub.subscriberCount === 0, 5_000);
    const send = sendWith({ ca: cert.cert });
    // connect() sends no body (FetchLike's may be bytes, which the CLI's commands never send).
    const fetch: FetchLike = (url, { body: _body, ...init }) => send(url, init);
    const controller = new AbortController();
    const connection = connect(`${endpoint}?topic=/trust/client`, { fetch, signal: controller.signal });
    try {
      const first = (async () => {
        for await (const event of connection) return event.data;
        return undefined;
      })();
      await waitUntil(() => hub.subscriberCount === 1, 10_000);
      await hub.publish({ topics: ['/trust/client'], data: 'to connect()' });
      assert.equal(await first, 'to connect()');
    } finally {
      controller.abort();
      connection.close();
    }
  });

  test('connect() with the global fetch trusts the certificate given in NODE_EXTRA_CA_CERTS', async () => {
    await waitUntil(() => hub.subscriberCount === 0, 5_000);
    const script = `
      import { connect } from ${JSON.stringify(new URL('../../src/client/index.ts', import.meta.url).pathname)};
      for await (const event of connect(${JSON.stringify(`${endpoint}?topic=/trust/extra`)})) {
        console.log(event.data);
        process.exit(0);
      }`;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      env: { ...process.env, NODE_EXTRA_CA_CERTS: cert.certPath },
    });
    try {
      let stdout = '';
      child.stdout.on('data', (chunk: Buffer) => {
        stdout += chunk;
      });
      await waitUntil(() => hub.subscriberCount === 1, 15_000);
      await hub.publish({ topics: ['/trust/extra'], data: 'trusted by the environment' });
      await waitUntil(() => stdout.includes('trusted by the environment'), 10_000);
    } finally {
      child.kill('SIGTERM');
      if (child.exitCode === null) await once(child, 'exit');
    }
  });
});
