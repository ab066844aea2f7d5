/**
 * What `hotline serve --dev` prints at start: ready-to-use tokens for the development secret, and the
 * commands to try them with.
 * @module
 */
import { join } from 'node:path';
import { LOOPBACK_ORIGINS } from '../hub/origin-match.js';
import { mintAccessToken, mintToken } from './token.js';

/** Prints the dev tokens; an access token too when the hub has a resource identifier (`--jwt-audience`). */
export async function printDevTokens(
  secret: string,
  origin: string,
  dataDir: string,
  curlTls: string,
  audience: string | undefined,
): Promise<void> {
  const publisher = await mintToken({ secret, publish: ['*'], subscribe: ['*'], ttlSeconds: 0 });
  const subscriber = await mintToken({ secret, subscribe: ['*'], ttlSeconds: 0 });
  // With a resource identifier the hub takes Mercure 1.0 access tokens too; they must expire (a day here).
  const everything = [{ matchType: 'Exact' as const, match: '*' }];
  const accessToken =
    audience === undefined
      ? undefined
      : await mintAccessToken({ secret, audience, publish: everything, subscribe: everything, ttlSeconds: 86_400 });
  console.log(
    [
      '',
      'DEVELOPMENT MODE — do not expose this hub. Anonymous subscribers are allowed.',
      `  pages on ${LOOPBACK_ORIGINS.join(', ')} may subscribe and publish (CORS); subscriptions API on`,
      `  dev secret (in ${join(dataDir, 'dev-secret')}): ${secret}`,
      `  publisher token:  ${publisher}`,
      `  subscriber token: ${subscriber}`,
      ...(accessToken === undefined ? [] : [`  access token (Mercure 1.0, 24 h): ${accessToken}`]),
      '',
      `Dashboard: ${origin}/  (signed in when opened on this machine)    Live demo: ${origin}/demo`,
      '',
      'Try it:',
      `  curl -N${curlTls} '${origin}/.well-known/mercure?topic=*'`,
      `  curl${curlTls} -d topic=/hello -d data=world -H 'Authorization: Bearer ${publisher}' ${origin}/.well-known/mercure`,
      '',
    ].join('\n'),
  );
}
