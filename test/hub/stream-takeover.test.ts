import assert from 'node:assert/strict';
import { once } from 'node:events';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { after, before, describe, test } from 'node:test';
import { createHub } from '../../src/hub/hub.js';
import { takenOverSocketCount } from '../../src/server/adapters/node-takeover.js';
import { publishOk, SECRET, startHub, token } from '../fixtures/hub.js';
import { waitUntil } from '../fixtures/sse-test-server.js';
import { selfSignedCertificate, type TestCertificate } from '../fixtures/tls.js';

/** An HTTP/1.1 subscription read as raw text (node's http client undoes the chunked framing). */
async function openHttp1(
  url: string,
  secure = false,
): Promise<{ res: IncomingMessage; text: () => string; ended: Promise<void> }> {
  const options = {
    headers: { Accept: 'text/event-stream' },
    ...(secure ? { rejectUnauthorized: false, ALPNProtocols: ['http/1.1'] } : {}),
  };
  const req = (secure ? httpsRequest : httpRequest)(url, options);
  req.end();
  const [res] = (await once(req, 'response')) as [IncomingMessage];
  let text = '';
  res.setEncoding('utf8');
  res.on('data', (chunk: string) => {
    text += chunk;
  });
  const ended = new Promise<void>((resolve) => res.once('close', resolve));
  return { res, text: () => text, ended };
}

describe('the hub on taken-over HTTP/1.1 streams', () => {
  test('updates arrive; a drain ends every stream cleanly and resolves; nothing stays open', async () => {
    const running = await startHub({ allowAnonymous: true });
    try {
      const before = takenOverSocketCount();
      const streams = await Promise.all([1, 2, 3].map(() => openHttp1(`${running.endpoint}?topic=t`)));
      await waitUntil(() => takenOverSocketCount() === before + 3);
      await publishOk(running.endpoint, { topic: 't', data: 'hello' }, await token({ publish: ['*'] }));
      await waitUntil(() => streams.every((s) => s.text().includes('data: hello')));
      await running.hub.drain({ windowMs: 50 });
      await Promise.all(streams.map((s) => s.ended));
      // The last chunk arrived: node's client saw a complete response, not an aborted one.
      assert.ok(streams.every((s) => s.res.complete));
      await waitUntil(() => takenOverSocketCount() === before);
    } finally {
      await running.close();
    }
  });

  test('close() cuts taken-over streams at once', async () => {
    const running = await startHub({ allowAnonymous: true });
    const before = takenOverSocketCount();
    const stream = await openHttp1(`${running.endpoint}?topic=t`);
    await waitUntil(() => takenOverSocketCount() === before + 1);
    await running.close();
    await stream.ended;
    await waitUntil(() => takenOverSocketCount() === before);
  });

  describe('over TLS (HTTP/1.1 by ALPN)', () => {
    let cert: TestCertificate;
    before(() => {
      cert = selfSignedCertificate();
    });
    after(() => cert?.remove());

    test('the TLS socket is taken over too: updates arrive and close() ends it', async () => {
      const hub = await createHub({ publisherKey: { secret: SECRET }, allowAnonymous: true, heartbeatMs: 0 });
      const { port } = await hub.listen(0, '127.0.0.1', { tls: cert });
      try {
        const before = takenOverSocketCount();
        const endpoint = `https://localhost:${port}/.well-known/mercure`;
        const stream = await openHttp1(`${endpoint}?topic=t`, true);
        assert.equal(stream.res.httpVersion, '1.1');
        await waitUntil(() => takenOverSocketCount() === before + 1);
        await hub.publish({ topics: ['t'], data: 'over tls' });
        await waitUntil(() => stream.text().includes('data: over tls'));
        await hub.close();
        await stream.ended;
        await waitUntil(() => takenOverSocketCount() === before);
      } finally {
        await hub.close();
      }
    });
  });
});
