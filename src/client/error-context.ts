/**
 * What a client error says about where and why it happened: the URL it was talking to, with credentials
 * taken out (an error is logged, shown and reported; a token in `?authorization=` must not go with it), and
 * the cause's own words (`connect ECONNREFUSED 127.0.0.1:3000` rather than `fetch failed`).
 * @module
 */

/** Query parameters that carry credentials: Mercure's `authorization`, OAuth's `access_token`, and kin. */
const SECRET_PARAMS = new Set(['authorization', 'access_token', 'token', 'jwt']);

/**
 * `url` with the values of credential parameters and the userinfo replaced by `redacted`. A URL that does
 * not parse (a relative one outside a browser) is returned as it is: it holds no origin to leak to.
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  let changed = false;
  if (parsed.username !== '' || parsed.password !== '') {
    parsed.username = 'redacted';
    parsed.password = '';
    changed = true;
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (SECRET_PARAMS.has(name.toLowerCase())) {
      parsed.searchParams.set(name, 'redacted');
      changed = true;
    }
  }
  return changed ? parsed.toString() : url;
}

/**
 * The innermost message of a cause chain, with the system error code when the message lacks it: undici's
 * `TypeError: fetch failed` says nothing, its cause says `connect ECONNREFUSED 127.0.0.1:3000`.
 */
export function describeCause(cause: unknown): string | undefined {
  let current: unknown = cause;
  let described: string | undefined;
  // Bounded: a cause chain may be long or even circular.
  for (let depth = 0; depth < 5 && current !== undefined && current !== null; depth++) {
    if (current instanceof Error || (typeof current === 'object' && 'message' in current)) {
      const { message, code } = current as { message?: unknown; code?: unknown };
      const text = typeof message === 'string' ? message : '';
      if (text !== '') described = typeof code === 'string' && !text.includes(code) ? `${code}: ${text}` : text;
      else if (typeof code === 'string') described = code;
      current = (current as { cause?: unknown }).cause;
    } else {
      described ??= String(current);
      break;
    }
  }
  return described;
}
