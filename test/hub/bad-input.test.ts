import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { MAX_JSON_DEPTH } from '../../src/hub/json-depth.js';
import { publish, type RunningHub, startHub, subscribe, token } from '../fixtures/hub.js';

interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** A raw request, so bodies can hold bytes fetch would refuse to send. */
function raw(
  url: string,
  method: string,
  headers: Record<string, string>,
  body?: Uint8Array | string,
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }),
      );
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A JSON publish whose `data` nests `levels` arrays deep (the body object adds one more level). */
function deepJson(levels: number): string {
  return `{"topic":"/deep","data":${'['.repeat(levels)}${']'.repeat(levels)}}`;
}

describe('hub: bad input gets a clear 4xx, never a crash or a partial update', () => {
  let running: RunningHub;
  let auth: Record<string, string>;
  before(async () => {
    running = await startHub({ allowAnonymous: true, maxPublishBytes: 1024 });
    auth = { Authorization: `Bearer ${await token({ publish: ['*'] })}` };
  });
  after(() => running.close());

  const form = { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' };
  const json = { 'Content-Type': 'application/json', Accept: 'application/json' };

  const cases: [string, Record<string, string>, string | Uint8Array, number, string][] = [
    ['missing topic', form, 'data=x', 400, 'HOTLINE_HUB_BAD_REQUEST'],
    ['empty topic', form, 'topic=&data=x', 400, 'HOTLINE_HUB_BAD_REQUEST'],
    ['an id with a line feed', form, 'topic=/a&id=a%0Adata:%20forged', 400, 'HOTLINE_HUB_BAD_REQUEST'],
    ['an id with NUL', form, 'topic=/a&id=a%00b', 400, 'HOTLINE_HUB_BAD_REQUEST'],
    ['the reserved id earliest', form, 'topic=/a&id=earliest', 400, 'HOTLINE_HUB_BAD_REQUEST'],
    ['a type with CR', form, 'topic=/a&type=x%0Dy', 400, 'HOTLINE_HUB_BAD_REQUEST'],
    ['a retry that is not digits', form, 'topic=/a&retry=-1', 400, 'HOTLINE_HUB_BAD_REQUEST'],
    ['percent-encoded bytes that are not UTF-8', form, 'topic=/a&data=%FF%FE', 400, 'HOTLINE_HUB_INVALID_UTF8'],
    ['a malformed percent escape', form, 'topic=/a&data=%E2%82', 400, 'HOTLINE_HUB_INVALID_UTF8'],
    [
      'raw body bytes that are not UTF-8',
      form,
      Uint8Array.of(0x74, 0x6f, 0x70, 0x69, 0x63, 0x3d, 0xc3, 0x28),
      400,
      'HOTLINE_HUB_INVALID_UTF8',
    ],
    ['an oversized body', form, `topic=/a&data=${'x'.repeat(2048)}`, 413, 'HOTLINE_HUB_PAYLOAD_TOO_LARGE'],
    [
      'an unsupported media type',
      { 'Content-Type': 'text/plain', Accept: 'application/json' },
      'hello',
      415,
      'HOTLINE_HUB_UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'malformed JSON',
      { 'Content-Type': 'application/json', Accept: 'application/json' },
      '{"topic":',
      400,
      'HOTLINE_HUB_BAD_REQUEST',
    ],
    [
      'JSON with a non-string topic',
      { 'Content-Type': 'application/json', Accept: 'application/json' },
      '{"topic":[1]}',
      400,
      'HOTLINE_HUB_BAD_REQUEST',
    ],
    ['a percent-encoded UTF-8 surrogate', form, 'topic=/a&data=%ED%A0%80', 400, 'HOTLINE_HUB_INVALID_UTF8'],
    ['JSON data with a lone high surrogate', json, '{"topic":"/a","data":"\\ud800"}', 400, 'HOTLINE_HUB_INVALID_UTF8'],
    ['JSON data with a lone low surrogate', json, '{"topic":"/a","data":"x\\udc00y"}', 400, 'HOTLINE_HUB_INVALID_UTF8'],
    ['a lone surrogate in a JSON topic', json, '{"topic":"/a\\ud800","data":"x"}', 400, 'HOTLINE_HUB_INVALID_UTF8'],
    ['a lone surrogate in a JSON id', json, '{"topic":"/a","id":"\\udbff"}', 400, 'HOTLINE_HUB_INVALID_UTF8'],
    [
      'a lone surrogate deep in non-string JSON data',
      json,
      '{"topic":"/a","data":{"list":[1,{"s":"\\ud800"}]}}',
      400,
      'HOTLINE_HUB_INVALID_UTF8',
    ],
    [
      'a lone surrogate in a JSON key of data',
      json,
      '{"topic":"/a","data":{"\\ud800":1}}',
      400,
      'HOTLINE_HUB_INVALID_UTF8',
    ],
    ['JSON data one level past the limit', json, deepJson(MAX_JSON_DEPTH), 400, 'HOTLINE_HUB_JSON_TOO_DEEP'],
  ];

  for (const [name, headers, body, status, code] of cases) {
    test(`${name} → ${status} ${code}`, async () => {
      const before = await running.hub.log.size();
      const response = await raw(running.endpoint, 'POST', { ...headers, ...auth }, body);
      assert.equal(response.status, status);
      assert.match(String(response.headers['content-type']), /application\/json/);
      assert.equal((JSON.parse(response.body) as { error: { code: string } }).error.code, code);
      assert.equal(await running.hub.log.size(), before, 'nothing was stored');
    });
  }

  test(`JSON data nested to the limit (${MAX_JSON_DEPTH} with the body object) is stored as sent`, async () => {
    const body = deepJson(MAX_JSON_DEPTH - 1);
    const response = await raw(running.endpoint, 'POST', { ...json, ...auth }, body);
    assert.equal(response.status, 200, response.body);
    assert.equal((await running.hub.log.last())?.data, JSON.stringify(JSON.parse(body).data));
  });

  test('JSON data nested 200,000 deep (400 KB, under maxPublishBytes) gets 400 HOTLINE_HUB_JSON_TOO_DEEP', async () => {
    const roomy = await startHub({ allowAnonymous: true });
    try {
      const response = await raw(roomy.endpoint, 'POST', { ...json, ...auth }, deepJson(200_000));
      assert.equal(response.status, 400);
      assert.equal((JSON.parse(response.body) as { error: { code: string } }).error.code, 'HOTLINE_HUB_JSON_TOO_DEEP');
      assert.match(response.body, /deeper than 128/);
      assert.equal(await roomy.hub.log.size(), 0);
    } finally {
      await roomy.close();
    }
  });

  test('a depth check is not fooled by brackets inside strings', async () => {
    const data = `${'['.repeat(300)}\\"${'{'.repeat(300)}`;
    const response = await raw(running.endpoint, 'POST', { ...json, ...auth }, JSON.stringify({ topic: '/a', data }));
    assert.equal(response.status, 200, response.body);
    assert.equal((await running.hub.log.last())?.data, data);
  });

  test('a surrogate pair (an emoji) in JSON is stored and delivered intact', async () => {
    const reader = await subscribe(running.endpoint, ['/emoji']);
    const response = await raw(
      running.endpoint,
      'POST',
      { ...json, ...auth },
      '{"topic":"/emoji","data":"\\ud83d\\ude00"}',
    );
    assert.equal(response.status, 200, response.body);
    assert.equal((await reader.next()).data, '\u{1F600}');
    reader.close();
  });

  test('hub.publish() refuses a lone surrogate in any string field with HOTLINE_HUB_INVALID_UTF8', async () => {
    for (const input of [
      { topics: '/a', data: 'x\uD800' },
      { topics: ['/a', '\uDC00'] },
      { topics: '/a', id: '\uD800' },
      { topics: '/a', type: 'x\uDFFF' },
    ]) {
      await assert.rejects(running.hub.publish(input), { status: 400, code: 'HOTLINE_HUB_INVALID_UTF8' });
    }
    // Two topics, one ending with a high and the next starting with a low surrogate, are still two lone ones.
    await assert.rejects(running.hub.publish({ topics: ['/a\uD83D', '\uDE00'] }), { code: 'HOTLINE_HUB_INVALID_UTF8' });
  });

  test('limits: too many topics in a publish or a subscription, and an id past maxIdLength, get 400', async () => {
    const limited = await startHub({ allowAnonymous: true, maxTopics: 3, maxIdLength: 16 });
    try {
      const topics = ['/1', '/2', '/3', '/4'];
      const tooMany = await publish(limited.endpoint, { topic: topics, data: 'x' }, auth.Authorization!.slice(7));
      assert.equal(tooMany.status, 400);
      await tooMany.text();
      const longId = await publish(
        limited.endpoint,
        { topic: '/1', data: 'x', id: 'x'.repeat(17) },
        auth.Authorization!.slice(7),
      );
      assert.equal(longId.status, 400);
      await longId.text();
      const subscribeUrl = `${limited.endpoint}?${topics.map((t) => `topic=${t}`).join('&')}`;
      const subscription = await raw(subscribeUrl, 'GET', { Accept: 'text/event-stream' });
      assert.equal(subscription.status, 400);
      assert.equal(await limited.hub.log.size(), 0);
    } finally {
      await limited.close();
    }
  });

  test('an event past maxEventBytes (data + type + id, in UTF-8 bytes) gets 413 and is not stored', async () => {
    const limited = await startHub({ allowAnonymous: true, maxEventBytes: 64 });
    try {
      const bearer = auth.Authorization!.slice(7);
      // 20 × 'é' is 40 bytes: with a 24-byte id, exactly 64 — in; one more byte of type is one past.
      const atLimit = await publish(
        limited.endpoint,
        { topic: '/e', data: 'é'.repeat(20), id: 'i'.repeat(24) },
        bearer,
      );
      assert.equal(atLimit.status, 200, await atLimit.text());
      const past = await publish(
        limited.endpoint,
        { topic: '/e', data: 'é'.repeat(20), id: 'i'.repeat(24), type: 't' },
        bearer,
      );
      assert.equal(past.status, 413);
      assert.match(await past.text(), /65 bytes.*maxEventBytes \(64\)/);
      await assert.rejects(limited.hub.publish({ topics: '/e', data: 'x'.repeat(65) }), {
        status: 413,
        code: 'HOTLINE_HUB_PAYLOAD_TOO_LARGE',
      });
      assert.equal(await limited.hub.log.size(), 1);
    } finally {
      await limited.close();
    }
  });

  test('with the defaults, a body at maxPublishBytes whose generated id takes the event past 1 MiB gets 413', async () => {
    const roomy = await startHub({ allowAnonymous: true });
    try {
      const prefix = 'topic=/big&data=';
      const body = `${prefix}${'x'.repeat(1024 * 1024 - prefix.length)}`;
      const response = await raw(roomy.endpoint, 'POST', { ...form, ...auth }, body);
      assert.equal(response.status, 413, 'a default client would drop this event (data + a 45-byte urn:uuid id)');
      assert.equal(await roomy.hub.log.size(), 0);
    } finally {
      await roomy.close();
    }
  });

  test('a client that does not accept JSON gets the error as plain text', async () => {
    const response = await raw(running.endpoint, 'POST', { ...form, ...auth, Accept: 'text/html' }, 'data=x');
    assert.equal(response.status, 400);
    assert.match(String(response.headers['content-type']), /text\/plain/);
    assert.match(response.body, /^HOTLINE_HUB_BAD_REQUEST: /);
  });

  test('unsupported methods get 405 with Allow', async () => {
    const response = await raw(running.endpoint, 'PUT', { Accept: 'application/json' });
    assert.equal(response.status, 405);
    assert.equal(response.headers.allow, 'GET, POST, OPTIONS');
  });

  test('unknown paths get 404', async () => {
    assert.equal((await raw(`${running.origin}/nope`, 'GET', {})).status, 404);
  });

  test('a subscription without topic gets 400', async () => {
    const response = await raw(running.endpoint, 'GET', { Accept: 'text/event-stream' });
    assert.equal(response.status, 400);
  });

  test('a bogus Last-Event-ID gets a reset, not an error', async () => {
    const reader = await subscribe(running.endpoint, ['/x'], { lastEventId: `%%% not an id ${'x'.repeat(500)}` });
    assert.equal((await reader.next()).type, 'reset');
    reader.close();
  });

  test('the hub keeps serving after all of the above', async () => {
    const response = await publish(running.endpoint, { topic: '/ok', data: 'fine' }, auth.Authorization!.slice(7));
    assert.equal(response.status, 200);
  });

  test('CORS preflight is answered for allowed origins only', async () => {
    const cors = await startHub({ corsOrigins: ['https://app.example'] });
    try {
      const allowed = await raw(cors.endpoint, 'OPTIONS', {
        Origin: 'https://app.example',
        'Access-Control-Request-Method': 'POST',
      });
      assert.equal(allowed.status, 204);
      assert.equal(allowed.headers['access-control-allow-origin'], 'https://app.example');
      assert.equal(allowed.headers['access-control-allow-credentials'], 'true');
      const refused = await raw(cors.endpoint, 'OPTIONS', { Origin: 'https://evil.example' });
      assert.equal(refused.headers['access-control-allow-origin'], undefined);
    } finally {
      await cors.close();
    }
  });
});
