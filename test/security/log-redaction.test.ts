/**
 * No token, cookie or secret reaches a log, at any level, whatever error a request causes. Each suite drives
 * every error path it can reach with credentials in the query, the Authorization header and the cookie,
 * captures the whole log at `trace`, greps it for each token's signature (and the secrets), and checks the
 * errors were logged at all, so the test cannot pass on an empty log.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import type { IncomingMessage } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import { SignJWT } from 'jose';
import { pino } from 'pino';
import type { HubExtensionFactory } from '../../src/hub/extension.js';
import { createMemoryLog } from '../../src/hub/log/memory.js';
import { SECRET, startHub, token } from '../fixtures/hub.js';
import { startHubProcess } from '../fixtures/hub-process.js';
import { rawExchange, rawGet } from '../fixtures/raw-http.js';

/** A password in a URL's userinfo: a secret too. */
const USERINFO_SECRET = 'userinfo-password-4f1c';
const OTHER_SECRET = 'another-secret-another-secret-0123456789';

interface Credentials {
  publisher: string;
  subscriberOnly: string;
  wrongKey: string;
  expired: string;
}

async function mintCredentials(): Promise<Credentials> {
  return {
    publisher: await token({ publish: ['*'], subscribe: ['*'] }),
    subscriberOnly: await token({ subscribe: ['*'] }),
    wrongKey: await token({ publish: ['*'] }, OTHER_SECRET),
    expired: await new SignJWT({ mercure: { publish: ['*'] } })
      .setProtectedHeader({ alg: 'HS256' })
      .setExpirationTime(Math.floor(Date.now() / 1000) - 60)
      .sign(new TextEncoder().encode(SECRET)),
  };
}

/** A POST to the hub endpoint, as raw text (some of them no HTTP client would send). */
function rawPost(path: string, headers: Record<string, string>, body: string): string {
  const lines = Object.entries({ Host: 'hub.test', 'Content-Length': String(Buffer.byteLength(body)), ...headers });
  return `POST ${path} HTTP/1.1\r\n${lines.map(([n, v]) => `${n}: ${v}`).join('\r\n')}\r\nConnection: close\r\n\r\n${body}`;
}

const HUB = '/.well-known/mercure';
const FORM = { 'Content-Type': 'application/x-www-form-urlencoded' };
const JSON_BODY = { 'Content-Type': 'application/json' };

/** Every error path reachable from outside; returns the statuses the hub answered. */
async function driveErrorPaths(origin: string, c: Credentials): Promise<number[]> {
  const bearer = (t: string) => ({ Authorization: `Bearer ${t}` });
  const requests: string[] = [
    // Targets `new URL` refuses, with the token in the query (also under an encoded name) and in userinfo.
    rawGet(`http://[::1/?authorization=${c.publisher}`),
    rawGet(`http://%zz/?topic=/a&authorization=${c.publisher}`),
    rawGet(`//%zz/?%61uthorization=${c.publisher}`),
    rawGet(`http://user:${USERINFO_SECRET}@[::1/${HUB}?access_token=${c.publisher}`),
    // A bad percent-escape in the subscriptions path, with a valid token in the query.
    rawGet(`${HUB}/subscriptions/%zz?authorization=${c.publisher}`),
    // 401: a token signed with another key, an expired one, a malformed header; in header, cookie and query.
    rawPost(HUB, { ...FORM, ...bearer(c.wrongKey) }, 'topic=/a&data=x'),
    rawPost(HUB, { ...FORM, ...bearer(c.expired) }, 'topic=/a&data=x'),
    rawPost(HUB, { ...FORM, Authorization: `Token ${c.publisher}` }, 'topic=/a&data=x'),
    rawPost(HUB, { ...FORM, Cookie: `mercureAuthorization=${c.wrongKey}`, Origin: 'http://hub.test' }, 'topic=/a'),
    rawGet(`${HUB}?topic=/a&authorization=${c.wrongKey}`, { Accept: 'text/event-stream' }),
    rawGet(`${HUB}?topic=/a`, { Cookie: `mercureAuthorization=${c.expired}`, Accept: 'text/event-stream' }),
    rawGet(`${HUB}/subscriptions?authorization=${c.wrongKey}`),
    rawGet(`/dashboard/stream?authorization=${c.wrongKey}`),
    // 403: a valid token without the publish claim.
    rawPost(HUB, { ...FORM, ...bearer(c.subscriberOnly) }, 'topic=/a&data=x'),
    // 413: declared larger than any limit; the token in the query.
    `POST ${HUB}?authorization=${c.publisher} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 99999999\r\n\r\n`,
    // 431: the token among 20 KiB of headers.
    rawGet('/healthz', {
      ...bearer(c.publisher),
      Cookie: `mercureAuthorization=${c.publisher}; pad=${'p'.repeat(20_000)}`,
    }),
    // Deep JSON, a lone surrogate, invalid UTF-8: the token in the header and the cookie.
    rawPost(HUB, { ...JSON_BODY, ...bearer(c.publisher) }, `{"topic":"/a","data":${'['.repeat(5000)}}`),
    rawPost(HUB, { ...JSON_BODY, ...bearer(c.publisher) }, '{"topic":"/a","data":"\\ud800"}'),
    rawPost(HUB, { ...FORM, ...bearer(c.publisher) }, 'topic=/a&data=%FF'),
    // Not HTTP: node:http keeps these bytes as the parse error's rawPacket.
    `GARBAGE /?authorization=${c.publisher} HTTP/1.1\r\nAuthorization: Bearer ${c.publisher}\r\n\r\n`,
    `GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.publisher}\r\nCookie x\r\n\r\n`,
    // 405, with the token in the query and the header.
    `PUT ${HUB}?authorization=${c.publisher} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.publisher}\r\nContent-Length: 0\r\n\r\n`,
    // An extension (when mounted) that throws an error carrying the request: the internal-error path.
    rawGet(`/boom?authorization=${c.publisher}`, {
      ...bearer(c.publisher),
      Cookie: `mercureAuthorization=${c.publisher}`,
    }),
  ];
  const statuses: number[] = [];
  for (const request of requests) statuses.push((await rawExchange(origin, request)).status);
  return statuses;
}

function signatures(c: Credentials): [string, string][] {
  return Object.entries(c).map(([name, jwt]) => [name, jwt.split('.')[2]!]);
}

function assertNoSecrets(text: string, c: Credentials): void {
  for (const [name, signature] of signatures(c)) {
    assert.ok(signature.length > 20);
    assert.ok(!text.includes(signature), `the ${name} token's signature is in the log`);
  }
  for (const secret of [SECRET, USERINFO_SECRET])
    assert.ok(!text.includes(secret), `the secret ${secret} is in the log`);
}

interface LogLine {
  msg: string;
  status?: number;
  code?: string;
  url?: string;
  err?: { message: string };
}

function parseLines(text: string): LogLine[] {
  return text
    .split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line) as LogLine);
}

/** An extension that fails the way careless code does: the request in the message and in own properties. */
const throwingExtension: HubExtensionFactory = () => ({
  handle(req: IncomingMessage, _res, url) {
    if (url.pathname !== '/boom') return false;
    const cause = Object.assign(new Error(`lookup of ${req.url} failed`), { input: req.url });
    throw Object.assign(new Error(`cannot serve ${req.url} with ${JSON.stringify(req.headers)}`, { cause }), {
      headers: req.headers,
      request: { url: req.url, headers: req.headers },
    });
  },
  close() {},
});

describe('no credential reaches the log', () => {
  test('an in-process hub with a plain pino logger at trace logs every error path, redacted', async () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const log = createMemoryLog();
    const running = await startHub({
      allowAnonymous: false,
      subscriptionsApi: true,
      maxPublishBytes: 64 * 1024,
      headersTimeoutMs: 1000,
      log,
      // Deliberately no redaction configured: the hub must protect its own log lines.
      logger: pino({ level: 'trace' }, sink),
      extension: throwingExtension,
    });
    const c = await mintCredentials();
    let statuses: number[];
    try {
      // The normal paths at trace level, with the token in the query.
      const stream = await fetch(`${running.endpoint}?topic=/ok&authorization=${c.publisher}`);
      const published = await fetch(`${running.endpoint}?authorization=${c.publisher}`, {
        method: 'POST',
        body: new URLSearchParams({ topic: '/ok', data: 'x' }),
      });
      assert.equal(published.status, 200);
      await stream.body?.cancel();
      statuses = await driveErrorPaths(running.origin, c);
      // 408: headers (holding the token) that never end.
      const timedOut = await rawExchange(
        running.origin,
        `GET /?authorization=${c.publisher} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${c.publisher}\r\n`,
      );
      statuses.push(timedOut.status);
      // A storage failure: the log is gone, the publish gets 503.
      await log.close();
      const failed = await fetch(`${running.endpoint}?authorization=${c.publisher}`, {
        method: 'POST',
        body: new URLSearchParams({ topic: '/a', data: 'x' }),
      });
      statuses.push(failed.status);
      await failed.text();
    } finally {
      await running.close();
    }
    assert.ok(
      statuses.every((s) => s >= 400),
      `every error path failed: ${statuses}`,
    );
    for (const status of [400, 401, 403, 405, 408, 413, 431, 500, 503])
      assert.ok(statuses.includes(status), `${status}`);
    const text = lines.join('');
    assertNoSecrets(text, c);
    const logged = parseLines(text);
    const codes = new Set(logged.map((l) => l.code));
    for (const code of [
      'HOTLINE_HUB_INVALID_URL',
      'HOTLINE_HUB_UNAUTHORIZED',
      'HOTLINE_HUB_FORBIDDEN',
      'HOTLINE_HUB_PAYLOAD_TOO_LARGE',
      'HOTLINE_HUB_HEADERS_TOO_LARGE',
      'HOTLINE_HUB_JSON_TOO_DEEP',
      'HOTLINE_HUB_INVALID_UTF8',
      'HOTLINE_HUB_BAD_REQUEST',
      'HOTLINE_HUB_STORAGE_UNAVAILABLE',
      'HOTLINE_HUB_METHOD_NOT_ALLOWED',
      'HOTLINE_HUB_REQUEST_TIMEOUT',
    ])
      assert.ok(codes.has(code), `${code} was logged`);
    const internal = logged.find((l) => l.msg === 'internal error');
    assert.ok(internal?.err?.message.includes('cannot serve /boom?authorization=[REDACTED]'), JSON.stringify(internal));
    assert.ok(logged.some((l) => l.msg === 'event log append failed'));
    // URLs are logged (the operator sees which request failed), their credentials are not.
    assert.ok(logged.some((l) => l.url === 'http://[::1/?authorization=[REDACTED]'));
    assert.ok(logged.some((l) => l.url?.startsWith('//%zz/?%61uthorization=[REDACTED]')));
  });

  test('hotline serve --log-level trace logs every error path, redacted', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'hotline-redaction-'));
    const hub = await startHubProcess({
      dataDir,
      args: ['--jwt-secret', SECRET, '--log', 'memory', '--log-level', 'trace', '--subscriptions-api'],
    });
    const c = await mintCredentials();
    let statuses: number[];
    try {
      statuses = await driveErrorPaths(hub.origin, c);
    } finally {
      const exited = new Promise((resolve) => hub.child.once('exit', resolve));
      hub.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    }
    for (const status of [400, 401, 403, 405, 413, 431])
      assert.ok(statuses.includes(status), `${status} in ${statuses}`);
    const output = hub.output();
    assertNoSecrets(output, c);
    const rejected = parseLines(output).filter((l) => l.msg === 'request rejected');
    const logged = new Set(rejected.map((l) => l.status));
    for (const status of [400, 401, 403, 405, 413, 431]) assert.ok(logged.has(status), `a ${status} was logged`);
    assert.ok(rejected.some((l) => l.url?.includes('authorization=[REDACTED]')));
  });
});
