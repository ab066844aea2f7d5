import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, test } from 'node:test';
import { exportJWK, exportSPKI, generateKeyPair, SignJWT } from 'jose';
import { connect, EventSource } from '../../src/client/index.js';
import { publish, publishOk, startHub, token } from '../fixtures/hub.js';

describe('hub: keys', () => {
  test('an RSA public key verifies RS256 tokens and refuses HS256 ones signed with the PEM (algorithm confusion)', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const pem = await exportSPKI(publicKey);
    const running = await startHub({ publisherKey: { publicKey: pem, algorithm: 'RS256' } });
    try {
      const good = await new SignJWT({ mercure: { publish: ['*'] } })
        .setProtectedHeader({ alg: 'RS256' })
        .sign(privateKey);
      assert.equal((await publish(running.endpoint, { topic: '/rsa', data: 'x' }, good)).status, 200);
      // The classic confusion attack: an HMAC token whose secret is the public key's PEM text.
      const forged = await new SignJWT({ mercure: { publish: ['*'] } })
        .setProtectedHeader({ alg: 'HS256' })
        .sign(new TextEncoder().encode(pem));
      assert.equal((await publish(running.endpoint, { topic: '/rsa', data: 'x' }, forged)).status, 401);
    } finally {
      await running.close();
    }
  });

  test('a JWKS URL verifies tokens by key id', async () => {
    const { publicKey, privateKey } = await generateKeyPair('ES256');
    const jwk = { ...(await exportJWK(publicKey)), kid: 'k1', alg: 'ES256', use: 'sig' };
    const jwks = createServer((_req, res) =>
      res.writeHead(200, { 'Content-Type': 'application/json' }).end(JSON.stringify({ keys: [jwk] })),
    );
    await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
    const running = await startHub({
      publisherKey: { jwksUrl: `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks.json` },
    });
    try {
      const good = await new SignJWT({ mercure: { publish: ['*'] } })
        .setProtectedHeader({ alg: 'ES256', kid: 'k1' })
        .sign(privateKey);
      assert.equal((await publish(running.endpoint, { topic: '/jwks', data: 'x' }, good)).status, 200);
      const unknownKid = await new SignJWT({ mercure: { publish: ['*'] } })
        .setProtectedHeader({ alg: 'ES256', kid: 'k2' })
        .sign(privateKey);
      assert.equal((await publish(running.endpoint, { topic: '/jwks', data: 'x' }, unknownKid)).status, 401);
    } finally {
      await running.close();
      jwks.closeAllConnections();
      await new Promise((resolve) => jwks.close(resolve));
    }
  });
});

describe('hub: Hotline clients', () => {
  test("Hotline's EventSource receives the hub's updates with their ids", async () => {
    const running = await startHub({ allowAnonymous: true });
    const publisher = await token({ publish: ['*'] });
    try {
      const source = new EventSource(`${running.endpoint}?topic=/our-es`);
      const seen: string[] = [];
      source.addEventListener('message', (e) => seen.push((e as MessageEvent).lastEventId));
      await new Promise((resolve) => source.addEventListener('open', resolve, { once: true }));
      await publishOk(running.endpoint, { topic: '/our-es', data: '1', id: 'o1', retry: '20' }, publisher);
      while (seen.length < 1) await new Promise((r) => setTimeout(r, 5));
      await publishOk(running.endpoint, { topic: '/our-es', data: '2', id: 'o2' }, publisher);
      while (seen.length < 2) await new Promise((r) => setTimeout(r, 5));
      source.close();
      assert.deepEqual(seen, ['o1', 'o2']);
    } finally {
      await running.close();
    }
  });

  test('connect() with a subscriber token receives private updates and resumes by id', async () => {
    const running = await startHub();
    const publisher = await token({ publish: ['*'] });
    try {
      for (let i = 1; i <= 3; i++)
        await publishOk(
          running.endpoint,
          { topic: '/users/7/inbox', data: String(i), id: `n${i}`, private: true },
          publisher,
        );
      const subscriber = await token({ subscribe: ['/users/7/{box}'] });
      const seen: string[] = [];
      for await (const event of connect(`${running.endpoint}?topic=${encodeURIComponent('/users/7/{box}')}`, {
        headers: { Authorization: `Bearer ${subscriber}` },
        lastEventId: 'n1',
      })) {
        seen.push(event.data);
        if (seen.length === 2) break;
      }
      assert.deepEqual(seen, ['2', '3']);
    } finally {
      await running.close();
    }
  });
});
