import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { SignJWT } from 'jose';
import { createTokenVerifier } from '../../../src/hub/auth/index.js';
import { HttpRejection } from '../../../src/hub/http-errors.js';
import { SECRET } from '../../fixtures/hub.js';

const sign = (claims: Record<string, unknown>, exp: number, secret = SECRET): Promise<string> =>
  new SignJWT(claims)
    .setProtectedHeader({ alg: 'HS256' })
    .setExpirationTime(exp)
    .sign(new TextEncoder().encode(secret));

test('a token verified before is remembered, yet still expires at its exp and never outlives its signature', async () => {
  const verifier = await createTokenVerifier({ secret: SECRET });
  const exp = Math.floor(Date.now() / 1000) + 1;
  const token = await sign({ mercure: { publish: ['/a'] } }, exp);
  assert.deepEqual((await verifier.verify(token)).publish, ['/a']);
  assert.deepEqual((await verifier.verify(token)).publish, ['/a'], 'a second use is accepted too');
  const forged = await sign({ mercure: { publish: ['*'] } }, exp, 'another-secret-that-is-long-enough');
  await assert.rejects(verifier.verify(forged), (e: unknown) => e instanceof HttpRejection && e.status === 401);
  while (Math.floor(Date.now() / 1000) < exp) await sleep(50);
  await assert.rejects(
    verifier.verify(token),
    (e: unknown) => e instanceof HttpRejection && e.status === 401 && e.message === 'the token has expired',
  );
});
