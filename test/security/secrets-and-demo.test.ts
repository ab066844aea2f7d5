import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeJwt, jwtVerify, SignJWT } from 'jose';
import { mintToken } from '../../src/cli/token.js';
import { runCli } from '../fixtures/cli-process.js';
import { subscribe } from '../fixtures/hub.js';

const MAIN = new URL('../../src/cli/main.ts', import.meta.url).pathname;
/** 40 bytes: long enough for HS256 outside --dev. */
const STRONG = 'auth-hardening-secret-auth-hardening-000';
/** 31 bytes: one short of RFC 7518's minimum for HS256. */
const ONE_SHORT = 'x'.repeat(31);

interface Served {
  readonly child: ChildProcessWithoutNullStreams;
  readonly origin: string;
  /** Everything the hub wrote to stderr so far (its pino log lines). */
  stderr(): string;
  stop(): Promise<void>;
}

/** Starts `hotline serve` on a free port; resolves once it says where it listens. */
async function serve(args: string[], env: Record<string, string> = {}): Promise<Served> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', MAIN, 'serve', '--port', '0', '--log', 'memory', '--log-level', 'warn', ...args],
    { env: { ...process.env, ...env } },
  );
  let stdout = '';
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => {
    stderr += chunk;
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const origin = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no listening line; stderr: ${stderr}`)), 20_000);
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk;
      const match = /listening on (http:\/\/[^/\s]+)\//.exec(stdout);
      if (match !== null) {
        clearTimeout(timer);
        resolve(match[1]!);
      }
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  return {
    child,
    origin,
    stderr: () => stderr,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** The `mercureAuthorization` token a `POST /demo/session` answer sets, and its cookie's attributes. */
function demoCookie(response: Response): { token: string; attributes: string } {
  const cookie = response.headers.getSetCookie().find((c) => c.startsWith('mercureAuthorization='));
  assert.ok(cookie !== undefined, 'no mercureAuthorization cookie');
  const [pair, ...attributes] = cookie.split('; ');
  return { token: decodeURIComponent(pair!.slice('mercureAuthorization='.length)), attributes: attributes.join('; ') };
}

describe('HMAC secrets shorter than 32 bytes (RFC 7518 §3.2)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-auth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));
  const config = join(dir, 'weak.json');
  writeFileSync(config, JSON.stringify({ 'jwt-secret': 'abc' }));

  for (const [name, args, env, option] of [
    ['--jwt-secret x', ['--jwt-secret', 'x'], {}, '--jwt-secret'],
    ['--publisher-jwt-secret abc', ['--publisher-jwt-secret', 'abc'], {}, '--publisher-jwt-secret'],
    ['a 31-byte --subscriber-jwt-secret', ['--subscriber-jwt-secret', ONE_SHORT], {}, '--subscriber-jwt-secret'],
    ['HOTLINE_JWT_SECRET=abc', [], { HOTLINE_JWT_SECRET: 'abc' }, '--jwt-secret'],
    ['"jwt-secret": "abc" in a config file', ['--config', config], {}, '--jwt-secret'],
  ] as const) {
    test(`serve refuses ${name}: exit code 2, the option and RFC 7518 §3.2 named, no stack trace`, async () => {
      const run = await runCli(['serve', '--port', '0', '--log', 'memory', '--data-dir', dir, ...args], { env });
      assert.equal(run.code, 2, run.stderr);
      assert.match(
        run.stderr,
        new RegExp(`^hotline serve: ${option}: the HMAC secret is \\d+ bytes?; .*RFC 7518 §3\\.2`),
      );
      assert.doesNotMatch(run.stderr, /\n\s+at /, 'no stack trace');
      assert.equal(run.stdout, '', 'nothing started');
    });
  }

  test('token refuses --secret abc (and HOTLINE_JWT_SECRET=abc) with exit code 2', async () => {
    for (const [args, env] of [
      [['--secret', 'abc'], {}],
      [[], { HOTLINE_JWT_SECRET: 'abc' }],
    ] as const) {
      const run = await runCli(['token', ...args, '--subscribe', '/a'], { env });
      assert.equal(run.code, 2);
      assert.match(run.stderr, /^hotline token: --secret: the HMAC secret is 3 bytes; .*RFC 7518 §3\.2/);
      assert.equal(run.stdout, '');
    }
  });

  test('token --dev accepts a short secret, for a hub run with --dev', async () => {
    const run = await runCli(['token', '--dev', '--secret', 'abc', '--subscribe', '/a']);
    assert.equal(run.code, 0, run.stderr);
    const { payload } = await jwtVerify(run.stdout.trim(), new TextEncoder().encode('abc'));
    assert.deepEqual(payload.mercure, { subscribe: ['/a'] });
  });

  test('token without --publish or --subscribe is a usage error, not a token that grants nothing', async () => {
    const run = await runCli(['token', '--secret', STRONG, '--payload', '{"a":1}']);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^hotline token: the token would grant nothing: give --publish and\/or --subscribe/);
    assert.equal(run.stdout, '');
  });
});

describe('serve without a publisher key', () => {
  test('says once, at start, that publishes will be refused and how to set a key', async () => {
    const served = await serve(['--allow-anonymous', '--no-dashboard', '--subscriber-jwt-secret', STRONG]);
    try {
      const warnings = served
        .stderr()
        .split('\n')
        .filter((line) => line.includes('no publisher key'));
      assert.equal(warnings.length, 1, served.stderr());
      const line = JSON.parse(warnings[0]!) as { level: number; msg: string };
      assert.equal(line.level, 40, 'a warn line');
      assert.match(line.msg, /every HTTP publish will be refused.*--jwt-secret or --publisher-jwt-secret/);
      // What it announced:
      const response = await fetch(`${served.origin}/.well-known/mercure`, {
        method: 'POST',
        headers: { Authorization: `Bearer ${await mintToken({ secret: STRONG, publish: ['*'] })}` },
        body: new URLSearchParams({ topic: '/t', data: 'x' }),
      });
      assert.equal(response.status, 401);
    } finally {
      await served.stop();
    }
  });
});

describe('the demo without --dev', () => {
  let served: Served;
  before(async () => {
    // A public demo: anonymous visitors read the public feeds.
    served = await serve(['--demo', '--allow-anonymous', '--jwt-secret', STRONG]);
  });
  after(() => served?.stop());

  test('POST /demo/session is refused with a 403 JSON that says sign-in needs --dev, and sets no cookie', async () => {
    const response = await fetch(`${served.origin}/demo/session`, { method: 'POST' });
    assert.equal(response.status, 403);
    assert.deepEqual(response.headers.getSetCookie(), []);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, 'HOTLINE_HUB_FORBIDDEN');
    assert.match(body.error.message, /demo sign-in needs a hub started with --dev/);
    const config = (await (await fetch(`${served.origin}/demo/config`)).json()) as Record<string, unknown>;
    assert.equal(config.user, null);
    assert.match(String(config.signInUnavailable), /--dev/);
  });

  test('the demo page and its public feeds still run', async () => {
    assert.equal((await fetch(`${served.origin}/demo`)).status, 200);
    const reader = await subscribe(`${served.origin}/.well-known/mercure`, ['/stocks/{symbol}']);
    try {
      assert.equal((await reader.next(10_000)).type, 'price');
    } finally {
      reader.close();
    }
  });
});

describe('the demo with --dev', () => {
  const dir = mkdtempSync(join(tmpdir(), 'hotline-auth-dev-'));
  // --dev accepts a short secret; knowing it lets the test sign the tokens a visitor could not.
  const secret = 'dev';
  let served: Served;
  let endpoint: string;
  before(async () => {
    served = await serve(['--dev', '--data-dir', dir, '--jwt-secret', secret]);
    endpoint = `${served.origin}/.well-known/mercure`;
  });
  after(async () => {
    await served?.stop();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a sign-in gets a token that expires in an hour and may only read the demo user’s notifications', async () => {
    const response = await fetch(`${served.origin}/demo/session`, { method: 'POST' });
    assert.equal(response.status, 204);
    const { token, attributes } = demoCookie(response);
    const claims = decodeJwt(token);
    const now = Math.floor(Date.now() / 1000);
    assert.equal(claims.exp! - claims.iat!, 3600);
    assert.ok(Math.abs(claims.exp! - (now + 3600)) <= 60, `exp ${claims.exp} is not about now + 1 h (${now + 3600})`);
    assert.equal(claims.sub, 'alice');
    assert.deepEqual(claims.mercure, { subscribe: ['/users/alice/notifications'] }, 'no publish claim');
    // The browser forgets the cookie a minute before the token expires.
    assert.match(attributes, /^Max-Age=3540; Path=\/\.well-known\/mercure; HttpOnly; SameSite=Strict$/);
  });

  test('the demo token does not read another user’s private notifications', async () => {
    const { token } = demoCookie(await fetch(`${served.origin}/demo/session`, { method: 'POST' }));
    const reader = await subscribe(endpoint, ['/users/{name}/notifications'], {
      headers: { Cookie: `mercureAuthorization=${token}` },
    });
    const publisher = await mintToken({ secret, publish: ['*'] });
    try {
      for (const [user, data] of [
        ['bob', 'for bob'],
        ['alice', 'for alice'],
      ]) {
        const published = await fetch(endpoint, {
          method: 'POST',
          headers: { Authorization: `Bearer ${publisher}` },
          body: new URLSearchParams({ topic: `/users/${user}/notifications`, data: data!, private: 'on' }),
        });
        assert.equal(published.status, 200);
      }
      // Bob's was published first: had it been delivered, it would come before alice's.
      const seen: string[] = [];
      while (!seen.includes('for alice')) seen.push((await reader.next()).data);
      assert.ok(!seen.includes('for bob'), `bob's notification reached alice: ${seen.join(', ')}`);
    } finally {
      reader.close();
    }
  });

  test('an expired demo token reads nothing, and a demo token publishes nothing', async () => {
    const expired = await new SignJWT({ mercure: { subscribe: ['/users/alice/notifications'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setSubject('alice')
      .setIssuedAt(Math.floor(Date.now() / 1000) - 3700)
      .setExpirationTime(Math.floor(Date.now() / 1000) - 100)
      .sign(new TextEncoder().encode(secret));
    const refused = await fetch(`${endpoint}?topic=/users/alice/notifications`, {
      headers: { Cookie: `mercureAuthorization=${expired}`, Accept: 'application/json' },
    });
    assert.equal(refused.status, 401);
    assert.match(((await refused.json()) as { error: { message: string } }).error.message, /expired/);

    const { token } = demoCookie(await fetch(`${served.origin}/demo/session`, { method: 'POST' }));
    const publish = await fetch(endpoint, {
      method: 'POST',
      headers: { Cookie: `mercureAuthorization=${token}`, Origin: served.origin, Accept: 'application/json' },
      body: new URLSearchParams({ topic: '/users/alice/notifications', data: 'forged' }),
    });
    assert.equal(publish.status, 403);
    assert.equal(((await publish.json()) as { error: { code: string } }).error.code, 'HOTLINE_HUB_FORBIDDEN');
  });

  test('a hub run with --dev does not warn about a missing publisher key', () => {
    assert.doesNotMatch(served.stderr(), /no publisher key/);
  });
});

describe('serve --publish-origin', () => {
  test('is repeatable through HOTLINE_PUBLISH_ORIGINS; cookie publishes from other origins get 403', async () => {
    const served = await serve(['--no-dashboard', '--jwt-secret', STRONG], {
      HOTLINE_PUBLISH_ORIGINS: 'https://a.example, https://b.example',
    });
    try {
      const cookie = `mercureAuthorization=${await mintToken({ secret: STRONG, publish: ['*'] })}`;
      const statuses: number[] = [];
      for (const origin of ['https://a.example', 'https://b.example', 'https://c.example', served.origin]) {
        const response = await fetch(`${served.origin}/.well-known/mercure`, {
          method: 'POST',
          headers: { Cookie: cookie, Origin: origin },
          body: new URLSearchParams({ topic: '/t', data: 'x' }),
        });
        await response.text();
        statuses.push(response.status);
      }
      assert.deepEqual(statuses, [200, 200, 403, 200]);
    } finally {
      await served.stop();
    }
  });

  test('a value that is not an origin exits with code 2 before listening', async () => {
    const run = await runCli(['serve', '--publish-origin', 'app.example', '--log', 'memory', '--jwt-secret', STRONG]);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /^hotline serve: --publish-origin: must be an origin like https:\/\/app\.example/);
  });
});
