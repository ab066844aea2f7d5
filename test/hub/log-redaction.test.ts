import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { pino } from 'pino';
import {
  LOG_REDACTION,
  REDACTED,
  redactHeaders,
  redactUrl,
  safeError,
  scrubText,
} from '../../src/hub/log-redaction.js';

const JWT = 'eyJhbGciOiJIUzI1NiJ9.eyJtZXJjdXJlIjp7fX0.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU';
const SIGNATURE = JWT.split('.')[2]!;

describe('redactUrl', () => {
  const cases: [string, string][] = [
    ['/.well-known/mercure?topic=/a&authorization=abc', `/.well-known/mercure?topic=/a&authorization=${REDACTED}`],
    ['/x?AUTHORIZATION=abc&b=1', `/x?AUTHORIZATION=${REDACTED}&b=1`],
    ['/x?%61uthorization=abc', `/x?%61uthorization=${REDACTED}`],
    ['/x?access_token=abc', `/x?access_token=${REDACTED}`],
    ['/x?authorization=abc#fragment', `/x?authorization=${REDACTED}`],
    ['http://[::1/?authorization=abc', `http://[::1/?authorization=${REDACTED}`],
    ['http://user:pw@host/x?y=1', `http://${REDACTED}@host/x?y=1`],
    ['//user:pw@host/', `//${REDACTED}@host/`],
    ['/plain/path?topic=/a&authorizationx=kept', '/plain/path?topic=/a&authorizationx=kept'],
    ['/no-query', '/no-query'],
  ];
  for (const [input, expected] of cases) {
    test(`${input} → ${expected}`, () => assert.equal(redactUrl(input), expected));
  }

  test('a very long URL is cut, so one request cannot flood the log', () => {
    const logged = redactUrl(`/${'a'.repeat(20_000)}`);
    assert.ok(logged.length <= 1025);
  });

  test('whatever the hub would read as the token (URLSearchParams) is never in the result', () => {
    const base64url = fc.string({ unit: fc.constantFrom(...'ABCxyz0189-_'.split('')), minLength: 24, maxLength: 60 });
    // Every way to spell the name that URLSearchParams decodes to "authorization".
    const name = fc
      .array(fc.boolean(), { minLength: 13, maxLength: 13 })
      .map((encode) =>
        [...'authorization'].map((ch, i) => (encode[i] ? `%${ch.charCodeAt(0).toString(16)}` : ch)).join(''),
      );
    const other = fc.string({ unit: fc.constantFrom(...'abc=/%'.split('')), maxLength: 20 });
    fc.assert(
      fc.property(base64url, name, other, other, (token, spelled, before, after) => {
        const target = `/.well-known/mercure?${before}&${spelled}=${token}&${after}`;
        assert.equal(new URL(target, 'http://h').searchParams.get('authorization'), token);
        assert.ok(!redactUrl(target).includes(token), redactUrl(target));
      }),
      { numRuns: 300 },
    );
  });
});

describe('redactHeaders', () => {
  test('credential headers are replaced whatever their case; the others are kept', () => {
    assert.deepEqual(
      redactHeaders({
        Authorization: `Bearer ${JWT}`,
        cookie: `mercureAuthorization=${JWT}`,
        'Set-Cookie': ['a=b'],
        'proxy-authorization': 'Basic x',
        accept: 'text/event-stream',
      }),
      {
        Authorization: REDACTED,
        cookie: REDACTED,
        'Set-Cookie': REDACTED,
        'proxy-authorization': REDACTED,
        accept: 'text/event-stream',
      },
    );
  });
});

describe('scrubText', () => {
  const texts = [
    `cannot serve /boom?authorization=${JWT}`,
    `{"authorization":"Bearer ${JWT}"}`,
    `Bearer ${SIGNATURE}`,
    `cookie: mercureAuthorization=${SIGNATURE}; other=1`,
    `GET /x?access_token=${SIGNATURE} HTTP/1.1`,
    `connect to redis://default:${SIGNATURE}@cache:6379 failed`,
    `token ${JWT} refused`,
  ];
  for (const text of texts) {
    test(`the credential in ${JSON.stringify(text.slice(0, 40))}… is replaced`, () => {
      const scrubbed = scrubText(text);
      assert.ok(!scrubbed.includes(SIGNATURE), scrubbed);
      assert.ok(scrubbed.includes(REDACTED));
    });
  }

  test('text without credentials is left as it is', () => {
    assert.equal(
      scrubText('the event log at sqlite:./data/hotline.db is closed'),
      'the event log at sqlite:./data/hotline.db is closed',
    );
  });
});

describe('safeError', () => {
  test('a URL error keeps its type, code and message but not the target it carries as input', () => {
    let urlError: unknown;
    try {
      new URL(`http://[::1/?authorization=${JWT}`);
    } catch (error) {
      urlError = error;
    }
    const safe = safeError(urlError);
    assert.equal(safe.type, 'TypeError');
    assert.equal(safe.code, 'ERR_INVALID_URL');
    assert.ok(!JSON.stringify(safe).includes(SIGNATURE));
    assert.deepEqual(Object.keys(safe).sort(), ['code', 'message', 'stack', 'type']);
  });

  test('causes are followed (and scrubbed) a bounded number of times, so a cycle ends', () => {
    const inner = Object.assign(new Error(`inner ${JWT}`), { rawPacket: Buffer.from(JWT) });
    const outer = new Error('outer', { cause: inner });
    const safe = safeError(outer);
    assert.equal(safe.cause?.message, `inner ${REDACTED}`);
    assert.ok(!JSON.stringify(safe).includes(SIGNATURE));
    const cyclic = new Error('cycle');
    (cyclic as { cause?: unknown }).cause = cyclic;
    let depth = 0;
    for (let link = safeError(cyclic).cause; link !== undefined; link = link.cause) depth++;
    assert.equal(depth, 3);
  });

  test('a thrown value that is not an Error is logged as text', () => {
    assert.deepEqual(safeError(`Bearer ${SIGNATURE}`), { type: 'string', message: `Bearer ${REDACTED}` });
  });
});

describe('LOG_REDACTION', () => {
  test('a pino logger made with it keeps credentials out of err, url, headers and req fields', () => {
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logger = pino({ level: 'trace', ...LOG_REDACTION }, sink);
    const error = Object.assign(new Error(`failed for ${JWT}`), { input: JWT, headers: { authorization: JWT } });
    logger.error({ err: error }, 'with err');
    logger.error(error, 'error as the first argument');
    logger.warn({ error }, 'with error');
    logger.info({ url: `/x?authorization=${JWT}` }, 'with url');
    logger.info({ headers: { authorization: `Bearer ${JWT}`, Cookie: JWT, accept: '*/*' } }, 'with headers');
    logger.info({ req: { url: `/x?authorization=${JWT}`, headers: { authorization: JWT, cookie: JWT } } }, 'with req');
    logger.info({ context: { input: JWT } }, 'with a nested input');
    const text = lines.join('');
    assert.equal(lines.length, 7);
    assert.ok(!text.includes(SIGNATURE), text);
    assert.match(text, /"accept":"\*\/\*"/);
  });
});
