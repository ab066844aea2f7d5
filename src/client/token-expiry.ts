/**
 * When a bearer token expires, so that `connect()` can ask for a fresh one (`refreshAuth`) shortly before
 * the server would refuse it. Only the JWT `exp` claim is read, without verifying anything: the server
 * verifies, and a token the client cannot read simply gets no early refresh.
 * @module
 */

/** The seconds-since-epoch `exp` of a JWT, read without verifying it (the server verifies), if any. */
export function tokenExpiry(token: string): number | undefined {
  const payload = token.split('.')[1];
  if (payload === undefined) return undefined;
  try {
    const json = atob(payload.replace(/-/g, '+').replace(/_/g, '/'));
    const exp = (JSON.parse(json) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp : undefined;
  } catch {
    return undefined;
  }
}
