/**
 * The vocabulary of authorization, shared by {@link authorize} (where the credential is found), the schemes
 * that check it ({@link Authorizer}, such as the JWT one) and the routes that act on the {@link Grant}.
 * @module
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { MatcherSpec } from '../topics/index.js';
import type { SubscribePayload } from './authorization-details.js';

/** What a request asks to do: receive updates, publish one, or open the dashboard (see every topic). */
export type AuthAction = 'subscribe' | 'publish' | 'admin';

/**
 * Where a credential was found. Only a `cookie` is attached by the browser to requests that other pages
 * make (the header and the query parameter must be written by the page itself), so only a cookie needs a
 * cross-site request forgery check.
 */
export type CredentialSource = 'header' | 'query' | 'cookie';

/** A credential as the request carried it: the raw token, not yet checked. */
export interface Credential {
  readonly token: string;
  readonly source: CredentialSource;
}

/** The part of a request authorization reads (an `IncomingMessage` is one). */
export interface AuthRequest {
  readonly headers: IncomingHttpHeaders;
  /** The request target (`/path?query`), for the `authorization` query parameter. */
  readonly url?: string | undefined;
}

/** What a checked credential may do, as a scheme ({@link Authorizer}) reports it. */
export interface Rights {
  /** Topic rules the holder may publish to: 0.x selector strings, 1.0 topic matchers, or both. */
  readonly publish: readonly MatcherSpec[];
  /** Topic rules whose private updates the holder may receive. */
  readonly subscribe: readonly MatcherSpec[];
  /** May open the dashboard, which lists every topic, private ones included. */
  readonly admin: boolean;
  /** Free-form data about the holder (shown in the subscriptions API and presence updates). */
  readonly payload: unknown;
  /** When the credential stops being valid, in ms since the epoch; `undefined` for never (or unknown). */
  readonly exp: number | undefined;
  /**
   * `access-token` when the credential is a Mercure 1.0 access token (RFC 9068, `authorization_details`),
   * so the routes can answer in that generation's shape; `undefined` for a 0.x token or another scheme.
   */
  readonly generation?: 'access-token' | undefined;
  /** The holder's verified identity (an access token's `sub`), when the scheme has one. */
  readonly subject?: string | undefined;
  /**
   * Mercure 1.0: every `subscribe` authorization detail's topic matchers and payload (`undefined` when it
   * has none), in token order. spec(Mercure 1.0 §Payloads): "The `payload` of the first `subscribe`
   * authorization detail whose `topics` matches the subscription's own matcher […] MUST be included".
   */
  readonly subscribePayloads?: readonly SubscribePayload[] | undefined;
}

/** What a request may do, from {@link authorize}. */
export interface Grant extends Rights {
  /** Where the credential came from; `undefined` for an anonymous grant (no credential, no rights). */
  readonly source: CredentialSource | undefined;
}

/**
 * An authorization scheme: turns a credential into {@link Rights}, or throws a 401 `HttpRejection`
 * (`HOTLINE_HUB_UNAUTHORIZED`) whose message says, safely, what is wrong with it (it is sent to the client;
 * any other error is answered `500` and logged). Finding the credential,
 * anonymous requests and the cookie CSRF check are done once for every scheme, by {@link authorize}.
 */
export interface Authorizer {
  /**
   * `action` is what the request asks for: a scheme may check it with another key (the JWT scheme has a
   * publisher and a subscriber key) or refuse at once with a precise reason. The routes still check the
   * returned rights against what is actually asked (which topics), so a scheme may return more.
   */
  authenticate(credential: Credential, action: AuthAction): Promise<Rights>;
}
