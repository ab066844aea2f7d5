/**
 * Mercure 0.x (draft-dunglas-mercure-07, the `?topic=` generation) hub rules that no other test shows, each
 * quoting its sentence, on a real hub over loopback. docs/mercure.md maps every MUST and SHOULD of the text
 * to the test that shows it; this file holds the rows that had none.
 */
import assert from 'node:assert/strict';
import { connect, createSecureServer, type Http2ServerRequest, type Http2ServerResponse } from 'node:http2';
import { request } from 'node:https';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { mintToken } from '../../src/cli/token.js';
import { createDashboard } from '../../src/hub/dashboard/index.js';
import { createHub } from '../../src/hub/hub.js';
import { hubForSuite, publish, publishOk, SECRET, subscribe, token } from '../fixtures/hub.js';
import { selfSignedCertificate } from '../fixtures/tls.js';

describe('Mercure 0.x conformance: discovery, subscription, publication', () => {
  const suite = hubForSuite();

  // spec(Mercure 0.x §Discovery): "The URL of the hub MUST be the "well-known" [RFC5785] fixed path `/.well-known/mercure`."
  test('the hub subscribes (GET) and publishes (POST) at /.well-known/mercure', async () => {
    const { origin } = suite.running;
    const reader = await subscribe(`${origin}/.well-known/mercure`, ['/wk']);
    assert.equal(reader.response.status, 200);
    await publishOk(`${origin}/.well-known/mercure`, { topic: '/wk', data: 'found', id: 'wk-1' }, suite.publisher);
    assert.equal((await reader.next()).data, 'found');
    reader.close();
  });

  // spec(Mercure 0.x §Subscription): "The hub MUST send these updates as `text/event-stream` compliant events"
  // and "All other properties defined in the Server-Sent Events specification MAY be used and MUST be supported by hubs."
  test('updates arrive as text/event-stream events carrying every SSE field the publisher set', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/sse-fields']);
    assert.match(reader.response.headers.get('content-type') ?? '', /^text\/event-stream/);
    await publishOk(
      suite.running.endpoint,
      { topic: '/sse-fields', data: 'line 1\nline 2\r\nline 3', type: 'book', id: 'sse-1', retry: '2500' },
      suite.publisher,
    );
    const event = await reader.next();
    assert.deepEqual(
      { type: event.type, id: event.lastEventId, data: event.data },
      { type: 'book', id: 'sse-1', data: 'line 1\nline 2\nline 3' },
    );
    assert.deepEqual(reader.retries, [2500]);
    reader.close();
  });

  // spec(Mercure 0.x §Publication): "`private` (optional): if this name is set, the update MUST NOT be dispatched
  // to subscribers not authorized to receive it. […] it CAN contain any value including an empty string."
  test('the private field marks an update private whatever its value, the empty string included', async () => {
    const anonymous = await subscribe(suite.running.endpoint, ['/private-values']);
    const allowed = await subscribe(suite.running.endpoint, ['/private-values'], {
      token: await token({ subscribe: ['/private-values'] }),
    });
    for (const value of ['', 'off', 'false', '0']) {
      await publishOk(
        suite.running.endpoint,
        { topic: '/private-values', private: value, data: value, id: `pv-${value}` },
        suite.publisher,
      );
    }
    await publishOk(
      suite.running.endpoint,
      { topic: '/private-values', data: 'public', id: 'pv-public' },
      suite.publisher,
    );
    for (const id of ['pv-', 'pv-off', 'pv-false', 'pv-0', 'pv-public']) {
      assert.equal((await allowed.next()).lastEventId, id);
    }
    assert.equal((await anonymous.next()).lastEventId, 'pv-public', 'the anonymous subscriber saw no private update');
    anonymous.close();
    allowed.close();
  });

  // spec(Mercure 0.x §Reconciliation): "events dispatched by the hub MUST include an `id` property."
  test('every event carries an id, also when the publisher gave none', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/ids']);
    const answered = await publishOk(suite.running.endpoint, { topic: '/ids', data: 'no id given' }, suite.publisher);
    const event = await reader.next();
    assert.equal(event.lastEventId, answered);
    assert.match(event.lastEventId, /^urn:uuid:[0-9a-f-]{36}$/);
    reader.close();
  });

  // spec(Mercure 0.x §Encryption): "the publisher MAY encrypt the message before sending it to the hub. The
  // publisher SHOULD use JSON Web Encryption [RFC7516]" — the hub must carry the ciphertext untouched.
  test('a JWE-encrypted payload passes through the hub byte for byte', async () => {
    const { CompactEncrypt, compactDecrypt } = await import('jose');
    const key = new Uint8Array(32).fill(7);
    const jwe = await new CompactEncrypt(new TextEncoder().encode('{"secret":"only for the subscriber"}'))
      .setProtectedHeader({ alg: 'dir', enc: 'A256GCM' })
      .encrypt(key);
    const reader = await subscribe(suite.running.endpoint, ['/encrypted']);
    await publishOk(suite.running.endpoint, { topic: '/encrypted', data: jwe }, suite.publisher);
    const received = (await reader.next()).data;
    assert.equal(received, jwe);
    const { plaintext } = await compactDecrypt(received, key);
    assert.equal(new TextDecoder().decode(plaintext), '{"secret":"only for the subscriber"}');
    reader.close();
  });
});

describe('Mercure 0.x conformance: authorization', () => {
  const suite = hubForSuite();

  // spec(Mercure 0.x §Authorization): "If an `Authorization` HTTP header is presented by the client, the JWS it
  // contains MUST be used. The content of the `authorization` query parameter and of the cookie MUST be ignored."
  test('the Authorization header wins: a bad authorization query parameter and a bad cookie are ignored', async () => {
    const good = await token({ subscribe: ['/header-wins'] });
    const reader = await subscribe(suite.running.endpoint, ['/header-wins'], {
      token: good,
      query: { authorization: 'not.a.jwt' },
      headers: { Cookie: 'mercureAuthorization=also.not.a.jwt' },
    });
    assert.equal(reader.response.status, 200);
    await publishOk(
      suite.running.endpoint,
      { topic: '/header-wins', data: 'x', private: true, id: 'hw-1' },
      suite.publisher,
    );
    assert.equal((await reader.next()).lastEventId, 'hw-1');
    reader.close();
    const publisher = await fetch(`${suite.running.endpoint}?authorization=not.a.jwt`, {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${suite.publisher}`,
        Cookie: 'mercureAuthorization=not.a.jwt',
        'Content-Type': 'application/x-www-form-urlencoded',
      },
      body: 'topic=/header-wins&data=y',
    });
    assert.equal(publisher.status, 200);
    await publisher.text();
  });

  // spec(Mercure 0.x §URI Query Parameter): "Server success (2XX status) responses to these requests SHOULD
  // contain a `Cache-Control` header with the `private` option."
  test('a stream authorized by the authorization query parameter is Cache-Control: private', async () => {
    const byQuery = await subscribe(suite.running.endpoint, ['/cache'], {
      query: { authorization: await token({ subscribe: ['/cache'] }) },
    });
    assert.equal(byQuery.response.status, 200);
    assert.match(byQuery.response.headers.get('cache-control') ?? '', /(^|, )private(,|$)/);
    byQuery.close();
  });

  // spec(Mercure 0.x §Publishers): "If `mercure.publish` is not defined, or contains an empty array, then the
  // publisher MUST NOT be authorized to dispatch any update."
  test('a token whose mercure.publish is absent or empty publishes nothing, not even public updates', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/no-publish']);
    for (const bearer of [await token({ publish: [] }), await token({ subscribe: ['*'] })]) {
      const response = await publish(suite.running.endpoint, { topic: '/no-publish', data: 'x' }, bearer);
      assert.equal(response.status, 403);
      await response.text();
    }
    assert.equal(await reader.nothingWithin(200), undefined);
    reader.close();
  });

  // spec(Mercure 0.x §Publishers): "If the publisher is not authorized for all the topics of an update, the hub
  // MUST NOT dispatch the update (even if some topics in the list are allowed) and MUST return a 403 HTTP status code."
  test('an update with one topic the publisher may not use gets 403 and reaches no subscriber of the others', async () => {
    const reader = await subscribe(suite.running.endpoint, ['/allowed'], { lastEventId: 'earliest' });
    const response = await publish(
      suite.running.endpoint,
      { topic: ['/allowed', '/forbidden'], data: 'x', id: 'partial-1' },
      await token({ publish: ['/allowed'] }),
    );
    assert.equal(response.status, 403);
    await response.text();
    assert.equal(await reader.nothingWithin(200), undefined);
    reader.close();
    const later = await subscribe(suite.running.endpoint, ['/allowed'], { lastEventId: 'earliest' });
    assert.equal(await later.nothingWithin(200), undefined, 'nor was it stored for replay');
    later.close();
  });

  // spec(Mercure 0.x §Subscribers): "The hub MUST check that at least one topic of the update to dispatch
  // (*canonical* or *alternate*) matches at least one topic selector provided in `mercure.subscribe`." — the
  // spec's own example: a subscriber of every book, allowed only through its per-user alternate topic.
  test('a private update reaches a subscriber whose mercure.subscribe matches only its alternate topic', async () => {
    const alice = await subscribe(suite.running.endpoint, ['https://example.com/books/{id}'], {
      token: await token({ subscribe: ['https://example.com/users/alice/{?topic}'] }),
    });
    const bob = await subscribe(suite.running.endpoint, ['https://example.com/books/{id}'], {
      token: await token({ subscribe: ['https://example.com/users/bob/{?topic}'] }),
    });
    const book = 'https://example.com/books/1';
    await publishOk(
      suite.running.endpoint,
      {
        topic: [book, `https://example.com/users/alice/?topic=${encodeURIComponent(book)}`],
        data: 'for alice',
        private: true,
        id: 'alt-1',
      },
      suite.publisher,
    );
    await publishOk(suite.running.endpoint, { topic: book, data: 'public', id: 'alt-2' }, suite.publisher);
    assert.equal((await alice.next()).lastEventId, 'alt-1');
    assert.equal((await alice.next()).lastEventId, 'alt-2');
    assert.equal((await bob.next()).lastEventId, 'alt-2', 'bob never saw the private update');
    alice.close();
    bob.close();
  });
});

describe('Mercure 0.x conformance: reconciliation', () => {
  const suite = hubForSuite();

  // spec(Mercure 0.x §Reconciliation): "If both the `Last-Event-ID` HTTP header and the `lastEventID` query
  // parameter are present, the HTTP header MUST take precedence."
  test('the Last-Event-ID header takes precedence over the lastEventID query parameter', async () => {
    for (const id of ['lp1', 'lp2', 'lp3'])
      await publishOk(suite.running.endpoint, { topic: '/precedence', data: id, id }, suite.publisher);
    const reader = await subscribe(suite.running.endpoint, ['/precedence'], {
      lastEventId: 'lp2',
      query: { lastEventID: 'lp1' },
    });
    assert.equal(reader.response.headers.get('last-event-id'), 'lp2');
    assert.equal((await reader.next()).lastEventId, 'lp3');
    reader.close();
  });

  // spec(Mercure 0.x §Reconciliation): "When the request contains a `Last-Event-ID` HTTP header or a
  // `lastEventID` query parameter the hub MUST set a `Last-Event-ID` header on the HTTP response."
  test('a lastEventID query parameter gets a Last-Event-ID response header too', async () => {
    await publishOk(suite.running.endpoint, { topic: '/by-query', data: 'a', id: 'bq1' }, suite.publisher);
    const known = await subscribe(suite.running.endpoint, ['/by-query'], { query: { lastEventID: 'bq1' } });
    assert.equal(known.response.headers.get('last-event-id'), 'bq1');
    known.close();
    const unknown = await subscribe(suite.running.endpoint, ['/by-query'], { query: { lastEventID: 'never-seen' } });
    assert.equal(unknown.response.headers.get('last-event-id'), 'earliest');
    unknown.close();
  });
});

describe('Mercure 0.x conformance: transport', () => {
  // spec(Mercure 0.x §Subscription): "The connection SHOULD use HTTP version 2 or superior" and §Authorization:
  // "When using any authorization mechanism, the connection MUST use an encryption layer such as HTTPS."
  test('hub.handler mounted on a TLS HTTP/2 server streams updates', async () => {
    const certificate = selfSignedCertificate();
    const cert = certificate.cert;
    const hub = await createHub({ allowAnonymous: true, publisherKey: { secret: SECRET }, heartbeatMs: 0 });
    // The HTTP/2 compatibility API hands the handler Http2ServerRequest/Response, which offer what it uses.
    const handler = hub.handler as unknown as (req: Http2ServerRequest, res: Http2ServerResponse) => void;
    const server = createSecureServer({ key: certificate.key, cert }, handler);
    try {
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const client = connect(`https://127.0.0.1:${(server.address() as AddressInfo).port}`, { ca: cert });
      try {
        const stream = client.request({ ':path': '/.well-known/mercure?topic=/h2', accept: 'text/event-stream' });
        const headers = await new Promise<Record<string, unknown>>((resolve) => stream.once('response', resolve));
        assert.equal(headers[':status'], 200);
        let text = '';
        stream.setEncoding('utf8');
        const frame = new Promise<void>((resolve) =>
          stream.on('data', (chunk: string) => {
            text += chunk;
            if (text.includes('\n\n', text.indexOf('id: h2-1'))) resolve();
          }),
        );
        await hub.publish({ topics: '/h2', data: 'over TLS and HTTP/2', id: 'h2-1' });
        await frame;
        assert.ok(text.endsWith('id: h2-1\ndata: over TLS and HTTP/2\n\n'), text);
        stream.close();
      } finally {
        client.close();
      }
    } finally {
      await new Promise((resolve) => server.close(resolve));
      await hub.close();
      certificate.remove();
    }
  });
});

describe('Mercure conformance: the one cookie Hotline sets itself', () => {
  // spec(Mercure 1.0 §Cookie): "The cookie MUST have the `Secure` and `HttpOnly` attributes set. The cookie
  // SHOULD also have `SameSite=Strict` […] The cookie's `Path` attribute SHOULD be set to the path of the hub's
  // subscription URL." (0.x §Cookie: "SHOULD have the `Secure`, `HttpOnly` and `SameSite` attributes set")
  test('over HTTPS the demo sign-in sets its token cookie Secure, HttpOnly, SameSite=Strict, on the hub path', async () => {
    const certificate = selfSignedCertificate();
    const hub = await createHub({
      publisherKey: { secret: SECRET },
      allowAnonymous: true,
      extension: (host) =>
        createDashboard(host, {
          demoUser: { name: 'alice', sign: (claims) => mintToken({ secret: SECRET, ...claims }) },
        }),
    });
    try {
      const { port } = await hub.listen(0, '127.0.0.1', { tls: { cert: certificate.cert, key: certificate.key } });
      const setCookie = await new Promise<string[]>((resolve, reject) => {
        const req = request(
          { host: '127.0.0.1', port, path: '/demo/session', method: 'POST', ca: certificate.cert },
          (res) => {
            res.resume();
            resolve(res.headers['set-cookie'] ?? []);
          },
        );
        req.on('error', reject);
        req.end();
      });
      const tokenCookie = setCookie.find((cookie) => cookie.startsWith('mercureAuthorization='));
      assert.ok(tokenCookie !== undefined, JSON.stringify(setCookie));
      const attributes = tokenCookie.split('; ').slice(1);
      for (const attribute of ['Secure', 'HttpOnly', 'SameSite=Strict', 'Path=/.well-known/mercure']) {
        assert.ok(attributes.includes(attribute), `${attribute} in ${tokenCookie}`);
      }
    } finally {
      await hub.close();
      certificate.remove();
    }
  });
});
