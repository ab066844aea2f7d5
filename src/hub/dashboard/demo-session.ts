/**
 * The demo page's sign-in: `POST /demo/session` puts a fresh subscriber JWT for the demo user in the
 * `mercureAuthorization` cookie, `DELETE` removes it, and `GET /demo/config` tells the page who it can sign
 * in as. Anyone who can reach the page can sign in, so the token is worth as little as possible: it expires
 * within the hour, and it may only receive the demo user's private notifications — it publishes nothing.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { AUTH_COOKIE } from '../auth/index.js';
import { HttpRejection } from '../http-errors.js';
import { demoTopics, notificationTopic } from './demo-publisher.js';

/** What a demo token may hold: the demo user's name, its one topic, and a lifetime. */
export interface DemoTokenClaims {
  /** The `sub` claim: the demo user's name. */
  readonly subject: string;
  /** The `mercure.subscribe` claim: the demo user's notification topic, nothing else. */
  readonly subscribe: string[];
  /** The token expires this long after it is signed (`exp`), in seconds. */
  readonly ttlSeconds: number;
}

/** The demo's one user, whom any visitor of the demo page may sign in as. */
export interface DemoUser {
  /** The user's name, as in the topic `/users/{name}/notifications`. */
  readonly name: string;
  /** Signs a subscriber JWT with exactly these claims, verifiable with the hub's subscriber key. */
  sign(claims: DemoTokenClaims): Promise<string>;
}

export const DEMO_SESSION_DEFAULTS = Object.freeze({
  /** Lifetime of a demo token: a visitor who signs in sees private notifications for an hour at most. */
  ttlSeconds: 3600,
  /**
   * The cookie goes a minute before the token expires, so the page's next reconnection is anonymous
   * (public updates) rather than refused with an expired token.
   */
  cookieMarginSeconds: 60,
});

/** What `/demo/config` answers. */
export interface DemoConfig {
  /** Whom the page can sign in as; `null` when it cannot. */
  readonly user: string | null;
  /** Why the page cannot sign in (shown to the visitor); `null` when it can. */
  readonly signInUnavailable: string | null;
  readonly topics: ReturnType<typeof demoTopics>;
}

/** A readable cookie that only tells the demo page who is signed in (the token cookie is HttpOnly). */
const USER_COOKIE = 'hotline-demo-user';
/** Scoped to the hub endpoint: the token reaches only the Mercure routes, never the admin stream. */
const TOKEN_SCOPE = 'Path=/.well-known/mercure; HttpOnly; SameSite=Strict';
/**
 * spec(Mercure 1.0 §Cookie): "The cookie MUST have the `Secure` and `HttpOnly` attributes set." Only over
 * HTTPS: a browser drops a `Secure` cookie that a plain-HTTP page sets, and `--dev` serves plain HTTP.
 */
const SECURE = '; Secure';

/** Whether the request reached the hub over TLS (HTTPS, HTTP/2 included). */
function overTls(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true;
}
const USER_SCOPE = 'Path=/; SameSite=Strict';

/**
 * The demo's session routes. Without a `user`, `POST /demo/session` answers `403` with `refusal` (why the
 * page cannot sign in), and the page shows it.
 */
export function createDemoSession(user: DemoUser | undefined, refusal: string) {
  const config: DemoConfig = {
    user: user?.name ?? null,
    signInUnavailable: user === undefined ? refusal : null,
    topics: demoTopics(user?.name),
  };

  async function signIn(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (user === undefined) throw new HttpRejection(403, 'HOTLINE_HUB_FORBIDDEN', refusal);
    const { ttlSeconds, cookieMarginSeconds } = DEMO_SESSION_DEFAULTS;
    const token = await user.sign({
      subject: user.name,
      subscribe: [notificationTopic(user.name)],
      ttlSeconds,
    });
    const maxAge = `Max-Age=${ttlSeconds - cookieMarginSeconds}`;
    res.writeHead(204, {
      'Set-Cookie': [
        `${AUTH_COOKIE}=${encodeURIComponent(token)}; ${maxAge}; ${TOKEN_SCOPE}${overTls(req) ? SECURE : ''}`,
        `${USER_COOKIE}=${encodeURIComponent(user.name)}; ${maxAge}; ${USER_SCOPE}`,
      ],
      'Cache-Control': 'no-store',
    });
    res.end();
  }

  /** Signing out always works, also on a hub that signs nobody in: it clears what an earlier run set. */
  function signOut(res: ServerResponse): void {
    res.writeHead(204, {
      'Set-Cookie': [`${AUTH_COOKIE}=; Max-Age=0; ${TOKEN_SCOPE}`, `${USER_COOKIE}=; Max-Age=0; ${USER_SCOPE}`],
      'Cache-Control': 'no-store',
    });
    res.end();
  }

  return {
    config,
    /** Answers `/demo/session`: POST signs in, DELETE signs out. */
    async handle(req: IncomingMessage, res: ServerResponse): Promise<true> {
      if (req.method === 'POST') await signIn(req, res);
      else if (req.method === 'DELETE') signOut(res);
      else {
        throw new HttpRejection(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
          headers: { Allow: 'POST, DELETE' },
        });
      }
      return true;
    },
  };
}
