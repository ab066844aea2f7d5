/**
 * `GET /.well-known/oauth-protected-resource[/.well-known/mercure]`: the hub's OAuth 2.0 Protected Resource
 * Metadata (RFC 9728), from which a client learns the resource identifier to put in a token's `aud`, the
 * authorization servers that issue tokens, and how to present one.
 *
 * spec(Mercure 1.0 §Protected Resource Metadata): "As an OAuth 2.0 protected resource, the hub SHOULD
 * publish OAuth 2.0 Protected Resource Metadata [RFC9728] at the path derived from its URL as defined in
 * that specification (for the hub URL `/.well-known/mercure`, the metadata is served at
 * `/.well-known/oauth-protected-resource/.well-known/mercure`)."
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ALPHA_DETAIL_TYPE, type JwtKeyOptions, MERCURE_DETAIL_TYPE } from '../auth/index.js';
import { HttpRejection } from '../http-errors.js';

/** RFC 9728 §3: the well-known suffix the metadata location is derived with. */
export const RESOURCE_METADATA_PATH = '/.well-known/oauth-protected-resource';
/** The hub's own path, as the metadata location of a hub at `/.well-known/mercure` ends. */
const HUB_SUFFIX = '/.well-known/mercure';

/**
 * spec(Mercure 1.0 §Protected Resource Metadata): "`mercure_version` (optional, RECOMMENDED): the revision
 * of the Mercure protocol implemented by the hub, as a JSON number. The value for the protocol described by
 * this document is `8`."
 */
const MERCURE_VERSION = 8;

/** What the metadata says. */
export interface ResourceMetadataOptions {
  /** The resource identifier (`jwtAudience`): an absolute http(s) URL. */
  readonly resource: string;
  /** Issuer identifiers of the authorization servers; empty for self-issued tokens. */
  readonly authorizationServers: readonly string[];
  /** The keys that verify tokens (publisher's, subscriber's), for `jwks_uri`. */
  readonly keys: readonly (JwtKeyOptions | undefined)[];
}

/** The metadata document and the paths it is served at. */
export interface ResourceMetadata {
  /** Where the metadata of `resource` is (RFC 9728 §3.1), named by `WWW-Authenticate` challenges. */
  readonly url: string;
  /** Paths that answer with it. */
  readonly paths: ReadonlySet<string>;
  /** The JSON text. */
  readonly body: string;
}

export function createResourceMetadata(options: ResourceMetadataOptions): ResourceMetadata {
  const resource = new URL(options.resource);
  // spec(RFC 9728 §3.1): "inserting a well-known URI string into the protected resource's resource identifier
  // between the host component and the path and/or query components, if any", any terminating slash removed.
  const ownPath = `${RESOURCE_METADATA_PATH}${resource.pathname.replace(/\/$/, '')}`;
  const document = {
    resource: options.resource,
    // spec(Mercure 1.0 §Protected Resource Metadata): "`authorization_servers` (optional) […] Omitted when
    // tokens are self-issued."
    ...(options.authorizationServers.length > 0
      ? { authorization_servers: options.authorizationServers }
      : jwksUri(options.keys)),
    // spec(Mercure 1.0 §Protected Resource Metadata): "`header`, plus `query` when the hub supports the URI
    // query parameter method"; the cookie "is advertised by the separate `mercure_cookie` member".
    bearer_methods_supported: ['header', 'query'],
    mercure_cookie: true,
    mercure_version: MERCURE_VERSION,
    // RFC 9728 §2: the authorization details types the resource understands (RFC 9396).
    authorization_details_types_supported: [MERCURE_DETAIL_TYPE, ALPHA_DETAIL_TYPE],
  };
  return {
    url: `${resource.origin}${ownPath}${resource.search}`,
    // The derived path of the configured URL, the spec's example path for a hub at the usual place (also
    // when a proxy maps the hub elsewhere), and the bare well-known URI of a hub that is its host's resource.
    paths: new Set([ownPath, `${RESOURCE_METADATA_PATH}${HUB_SUFFIX}`, RESOURCE_METADATA_PATH]),
    body: JSON.stringify(document),
  };
}

/**
 * spec(Mercure 1.0 §Protected Resource Metadata): "`jwks_uri` (optional): the location of the hub's token
 * verification keys, when not obtained from an authorization server." Named only when every key of the hub
 * is that one JWKS: with an HMAC secret or a PEM key besides, the set would not be all a client needs.
 */
function jwksUri(keys: readonly (JwtKeyOptions | undefined)[]): { jwks_uri?: string } {
  const urls = new Set(keys.filter((key) => key !== undefined).map((key) => ('jwksUrl' in key ? key.jwksUrl : '')));
  const [only] = urls;
  return urls.size === 1 && only !== undefined && only !== '' ? { jwks_uri: only } : {};
}

export function handleResourceMetadata(req: IncomingMessage, res: ServerResponse, metadata: ResourceMetadata): void {
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    throw new HttpRejection(405, 'HOTLINE_HUB_METHOD_NOT_ALLOWED', `${req.method} is not allowed here`, {
      headers: { Allow: 'GET, HEAD' },
    });
  }
  res.writeHead(200, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(metadata.body),
    // Public and the same for every client: any page may read it (no credentials involved), and caches may
    // keep it a while; a restart with other options changes it, hence not for long.
    'Access-Control-Allow-Origin': '*',
    'Cache-Control': 'public, max-age=300',
  });
  res.end(req.method === 'HEAD' ? undefined : metadata.body);
}
