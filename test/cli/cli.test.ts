import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { jwtVerify } from 'jose';
import { type CliRun, runCli } from '../fixtures/cli-process.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;

function hotline(args: string[], env: Record<string, string> = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, ['--import', 'tsx', MAIN, ...args], { env: { ...process.env, ...env } });
}

function run(args: string[], env: Record<string, string> = {}): Promise<CliRun> {
  return runCli(args, { env });
}

/** Resolves with the first stdout line matching `pattern`. */
function waitForLine(
  child: ChildProcessWithoutNullStreams,
  pattern: RegExp,
  timeoutMs = 15_000,
): Promise<RegExpMatchArray> {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`no line matching ${pattern} in: ${buffer}`)), timeoutMs);
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const match = buffer.match(pattern);
      if (match) {
        clearTimeout(timer);
        resolve(match);
      }
    });
  });
}

describe('the hotline CLI', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-cli-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  test('help lists the commands', async () => {
    const { code, stdout } = await run(['--help']);
    assert.equal(code, 0);
    for (const command of ['serve', 'publish', 'subscribe', 'token'])
      assert.match(stdout, new RegExp(`\\n  ${command} `));
  });

  test('serve --help lists every option with its environment variable', async () => {
    const { code, stdout } = await run(['serve', '--help']);
    assert.equal(code, 0);
    assert.match(stdout, /--port <value>.*HOTLINE_PORT/);
    assert.match(stdout, /--jwt-secret <secret>.*HOTLINE_JWT_SECRET/);
  });

  for (const [name, args] of [
    ['a port that is not a number', ['serve', '--port', 'abc']],
    ['an unknown flag', ['serve', '--bogus']],
    ['an unknown log backend', ['serve', '--log', 'bogus://x']],
    ['slow-consumer policies that are not JSON', ['serve', '--slow-consumers', 'conflate']],
    ['an unknown slow-consumer policy', ['serve', '--slow-consumers', '{"urn:t":{"policy":"latest"}}']],
    ['a zero --max-buffered-bytes', ['serve', '--max-buffered-bytes', '0']],
    ['a zero --max-state-updates', ['serve', '--max-state-updates', '0']],
    ['a negative --write-timeout-ms', ['serve', '--write-timeout-ms', '-1']],
  ] as const) {
    test(`serve exits with code 2 on ${name}, before listening`, async () => {
      const { code, stderr } = await run([...args], { HOTLINE_DATA_DIR: dir });
      assert.equal(code, 2);
      assert.match(stderr, /hotline serve: /);
    });
  }

  test('serve refuses slow-consumer policies with the hub library’s own message (one validation path)', async () => {
    const { code, stderr } = await run(['serve', '--slow-consumers', '{"urn:t":{"policy":"close","key":"topic"}}'], {
      HOTLINE_DATA_DIR: dir,
    });
    assert.equal(code, 2);
    assert.match(stderr, /--slow-consumers: slowConsumers\["urn:t"\]\.key only applies to the 'conflate' policy/);
  });

  test('a JSON config file is validated too, and flags beat the environment, which beats the file', async () => {
    const { writeFileSync } = await import('node:fs');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ port: 'eighty', 'data-dir': dir }));
    const badRun = await run(['serve', '--config', bad]);
    assert.equal(badRun.code, 2);
    assert.match(badRun.stderr, /--port/);
    const unknown = join(dir, 'unknown.json');
    writeFileSync(unknown, JSON.stringify({ colour: 'red' }));
    assert.equal((await run(['serve', '--config', unknown])).code, 2);

    const good = join(dir, 'good.json');
    writeFileSync(
      good,
      JSON.stringify({
        port: 1,
        'data-dir': dir,
        'log-level': 'warn',
        'cors-origin': ['https://a.example'],
        'slow-consumers': { 'https://a.example/scores/{id}': { policy: 'conflate', key: 'data.match' } },
        conflate: ['https://a.example/ticker/{symbol}'],
      }),
    );
    const server = hotline(['serve', '--config', good, '--port', '0', '--log', 'memory'], { HOTLINE_PORT: '2' });
    try {
      const [, url] = await waitForLine(server, /listening on (http:\/\/\S+)\/\.well-known/);
      assert.notEqual(new URL(url!).port, '1', 'the flag wins over the file');
      const preflight = await fetch(`${url}/.well-known/mercure`, {
        method: 'OPTIONS',
        headers: { Origin: 'https://a.example' },
      });
      assert.equal(preflight.headers.get('access-control-allow-origin'), 'https://a.example', 'the file still applies');
    } finally {
      server.kill('SIGINT');
    }
  });

  test('serve --dev (npm start) serves the dashboard and the demo, and the demo publisher feeds the hub', async () => {
    const server = hotline([
      'serve',
      '--dev',
      '--port',
      '0',
      '--data-dir',
      dir,
      '--log',
      'memory',
      '--log-level',
      'warn',
    ]);
    try {
      const [, origin] = await waitForLine(server, /listening on (http:\/\/[^/\s]+)\//);
      const page = await fetch(`${origin}/`);
      assert.equal(page.status, 200);
      assert.match(page.headers.get('content-type') ?? '', /text\/html/);
      await page.text();
      assert.equal((await fetch(`${origin}/demo`).then(async (r) => [r.status, await r.text()]))[0], 200);
      const stream = await fetch(`${origin}/.well-known/mercure?topic=${encodeURIComponent('/stocks/{symbol}')}`);
      // Compression is on by default; fetch asked for gzip and decodes it as it arrives.
      assert.equal(stream.headers.get('content-encoding'), 'gzip');
      const reader = stream.body!.getReader();
      let text = '';
      while (!text.includes('event: price')) text += new TextDecoder().decode((await reader.read()).value);
      await reader.cancel();
    } finally {
      server.kill('SIGINT');
    }
  });

  test('serve --no-compression sends streams uncompressed to a client that accepts gzip', async () => {
    const server = hotline(['serve', '--port', '0', '--log', 'memory', '--allow-anonymous', '--no-compression']);
    try {
      const [, origin] = await waitForLine(server, /listening on (http:\/\/[^/\s]+)\//);
      const controller = new AbortController();
      const stream = await fetch(`${origin}/.well-known/mercure?topic=t`, {
        headers: { 'Accept-Encoding': 'gzip, br' },
        signal: controller.signal,
      });
      assert.equal(stream.status, 200);
      assert.equal(stream.headers.get('content-encoding'), null);
      controller.abort();
    } finally {
      server.kill('SIGINT');
    }
  });

  test('serve --compression-max-streams caps the streams compressed at once; later ones go out plain', async () => {
    const server = hotline([
      'serve',
      '--port',
      '0',
      '--log',
      'memory',
      '--allow-anonymous',
      '--compression-max-streams',
      '1',
    ]);
    const controller = new AbortController();
    try {
      const [, origin] = await waitForLine(server, /listening on (http:\/\/[^/\s]+)\//);
      const open = () =>
        fetch(`${origin}/.well-known/mercure?topic=t`, {
          headers: { 'Accept-Encoding': 'gzip' },
          signal: controller.signal,
        });
      const first = await open();
      const second = await open();
      assert.deepEqual([first.headers.get('content-encoding'), second.headers.get('content-encoding')], ['gzip', null]);
    } finally {
      controller.abort();
      server.kill('SIGINT');
    }
  });

  test('token mints a JWT the hub accepts', async () => {
    const { code, stdout } = await run([
      'token',
      '--secret',
      's3cret-s3cret-s3cret-s3cret-s3cret',
      '--publish',
      '*',
      '--subscribe',
      '/a',
    ]);
    assert.equal(code, 0);
    const { payload } = await jwtVerify(stdout.trim(), new TextEncoder().encode('s3cret-s3cret-s3cret-s3cret-s3cret'));
    assert.deepEqual(payload.mercure, { publish: ['*'], subscribe: ['/a'] });
  });

  test('serve, publish and subscribe work together, and subscribe resumes with --last-event-id', async () => {
    const secret = 'cli-test-secret-cli-test-secret-0123';
    const server = hotline(['serve', '--port', '0', '--data-dir', dir, '--jwt-secret', secret, '--allow-anonymous']);
    try {
      const [, url] = await waitForLine(server, /listening on (http:\/\/\S+\/\.well-known\/mercure)/);
      const { stdout: publisherToken } = await run(['token', '--secret', secret, '--publish', '*']);
      const env = { HOTLINE_URL: url!, HOTLINE_TOKEN: publisherToken.trim() };
      const first = await run(['publish', '--topic', '/cli', '--data', 'one', '--id', 'cli-1'], env);
      assert.equal(first.code, 0, first.stderr);
      assert.equal(first.stdout.trim(), 'cli-1');
      const second = await run(
        ['publish', '--topic', '/cli', '--json', '{"n": 2}', '--type', 'count', '--id', 'cli-2'],
        env,
      );
      assert.equal(second.code, 0, second.stderr);
      const subscriber = hotline(['subscribe', '--topic', '/cli', '--last-event-id', 'cli-1'], { HOTLINE_URL: url! });
      const [line] = await waitForLine(subscriber, /\{.*"cli-2".*\}/);
      subscriber.kill();
      assert.deepEqual(JSON.parse(line), { type: 'count', data: '{"n":2}', lastEventId: 'cli-2' });
      const refused = await run(['publish', '--topic', '/cli', '--data', 'x'], { HOTLINE_URL: url! });
      assert.equal(refused.code, 1);
      assert.match(refused.stderr, /401/);
    } finally {
      server.kill('SIGTERM');
    }
  });
});
