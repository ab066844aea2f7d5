/**
 * The options of `hotline serve`: flags, their `HOTLINE_…` environment variables and defaults, as `--help`
 * prints them. Validated by serve-config.ts; used by serve.ts.
 * @module
 */
import { DEMO_DEFAULTS } from '../hub/dashboard/index.js';
import { SLICE_MS } from '../server/index.js';
import type { OptionTable } from './args.js';
import { TLS_OPTIONS } from './serve-tls.js';
import { WORKERS_OPTIONS } from './serve-workers.js';

export const SERVE_OPTIONS: OptionTable = {
  config: {
    type: 'string',
    description: 'JSON file of options (keys are the long option names)',
    env: 'HOTLINE_CONFIG',
    valueName: 'file',
  },
  port: { type: 'string', short: 'p', description: 'Port to listen on', env: 'HOTLINE_PORT', default: '3000' },
  host: { type: 'string', description: 'Address to bind', env: 'HOTLINE_HOST', default: '127.0.0.1' },
  ...TLS_OPTIONS,
  ...WORKERS_OPTIONS,
  'data-dir': {
    type: 'string',
    description: 'Directory for the SQLite log and the dev secret',
    env: 'HOTLINE_DATA_DIR',
    default: './data',
    valueName: 'dir',
  },
  log: {
    type: 'string',
    description: 'Event log: sqlite:<path>, memory, redis://…, nats://… (default: sqlite in --data-dir)',
    env: 'HOTLINE_LOG',
    valueName: 'url',
  },
  'jwt-secret': {
    type: 'string',
    description: 'HMAC secret for publisher and subscriber tokens',
    env: 'HOTLINE_JWT_SECRET',
    valueName: 'secret',
  },
  'publisher-jwt-secret': {
    type: 'string',
    description: 'HMAC secret for publisher tokens only',
    env: 'HOTLINE_PUBLISHER_JWT_SECRET',
    valueName: 'secret',
  },
  'subscriber-jwt-secret': {
    type: 'string',
    description: 'HMAC secret for subscriber tokens only',
    env: 'HOTLINE_SUBSCRIBER_JWT_SECRET',
    valueName: 'secret',
  },
  'jwt-public-key': {
    type: 'string',
    description: 'PEM file (SPKI or certificate) to verify tokens with',
    env: 'HOTLINE_JWT_PUBLIC_KEY',
    valueName: 'file',
  },
  'jwt-algorithm': {
    type: 'string',
    description: 'Algorithm of --jwt-public-key (RS256, ES256, EdDSA, …)',
    env: 'HOTLINE_JWT_ALGORITHM',
    default: 'RS256',
    valueName: 'alg',
  },
  'jwks-url': {
    type: 'string',
    description: 'JWKS URL to verify tokens with',
    env: 'HOTLINE_JWKS_URL',
    valueName: 'url',
  },
  'jwt-audience': {
    type: 'string',
    description:
      "The hub's resource identifier (its public URL, e.g. https://hub.example.com/.well-known/mercure): " +
      'Mercure 1.0 access tokens (typ at+jwt) must name it in aud; without it they are refused',
    env: 'HOTLINE_JWT_AUDIENCE',
    valueName: 'url',
  },
  'jwt-issuer': {
    type: 'string',
    multiple: true,
    description: 'Issuer (authorization server) whose access tokens are accepted (iss); none: self-issued, not checked',
    env: 'HOTLINE_JWT_ISSUERS',
    valueName: 'iss',
  },
  'max-authorization-details': {
    type: 'string',
    description: 'Most authorization_details entries in an access token',
    env: 'HOTLINE_MAX_AUTHORIZATION_DETAILS',
    default: '64',
    valueName: 'n',
  },
  'allow-anonymous': {
    type: 'boolean',
    description: 'Let subscribers without a token receive public updates',
    env: 'HOTLINE_ALLOW_ANONYMOUS',
  },
  'cors-origin': {
    type: 'string',
    multiple: true,
    description: 'Origin allowed by CORS ("*" for any, "http://localhost:*" for any port)',
    env: 'HOTLINE_CORS_ORIGINS',
    valueName: 'origin',
  },
  'publish-origin': {
    type: 'string',
    multiple: true,
    description:
      'Origin whose pages may publish with the mercureAuthorization cookie, besides the hub\'s own ("*" for any, "http://localhost:*" for any port)',
    env: 'HOTLINE_PUBLISH_ORIGINS',
    valueName: 'origin',
  },
  'history-max-events': {
    type: 'string',
    description: 'Updates kept for resume; 0 for no limit',
    env: 'HOTLINE_HISTORY_MAX_EVENTS',
    default: '10000',
    valueName: 'n',
  },
  'history-max-age-seconds': {
    type: 'string',
    description: 'Drop history older than this; 0 for no limit',
    env: 'HOTLINE_HISTORY_MAX_AGE_SECONDS',
    default: '0',
    valueName: 's',
  },
  'max-publish-bytes': {
    type: 'string',
    description: 'Largest publish body',
    env: 'HOTLINE_MAX_PUBLISH_BYTES',
    default: '1048576',
    valueName: 'bytes',
  },
  'max-event-bytes': {
    type: 'string',
    description:
      'Largest event stored (data + type + id, UTF-8); clients drop larger ones, so raise their maxEventBytes too',
    env: 'HOTLINE_MAX_EVENT_BYTES',
    default: '1048576',
    valueName: 'bytes',
  },
  'max-buffered-bytes': {
    type: 'string',
    description: 'Bytes a slow subscriber may have queued before its stream is closed (it resumes by id)',
    env: 'HOTLINE_MAX_BUFFERED_BYTES',
    default: '1048576',
    valueName: 'bytes',
  },
  'max-state-updates': {
    type: 'string',
    description: 'State on subscribe: the largest N of ?state=last:N and the most updates in one state (then 400)',
    env: 'HOTLINE_MAX_STATE_UPDATES',
    default: '100',
    valueName: 'n',
  },
  'max-state-scan': {
    type: 'string',
    description: 'State on subscribe: the most updates of history read, newest first, to find a state',
    env: 'HOTLINE_MAX_STATE_SCAN',
    default: '10000',
    valueName: 'n',
  },
  'flush-slice-ms': {
    type: 'string',
    description:
      'Longest run of socket writes before the hub yields to I/O, so publishes arriving during a large broadcast join it; Infinity for never',
    env: 'HOTLINE_FLUSH_SLICE_MS',
    default: String(SLICE_MS),
    valueName: 'ms',
  },
  'max-connection-ms': {
    type: 'string',
    description:
      'Close a subscriber stream after this long whatever its token (up to 10% sooner, at random); it resumes by id; 0 for never',
    env: 'HOTLINE_MAX_CONNECTION_MS',
    default: '3600000',
    valueName: 'ms',
  },
  'write-timeout-ms': {
    type: 'string',
    description: 'Close a stream whose writes make no progress this long (half-open peer); 0 for never',
    env: 'HOTLINE_WRITE_TIMEOUT_MS',
    default: '30000',
    valueName: 'ms',
  },
  'heartbeat-ms': {
    type: 'string',
    description: 'Heartbeat comment period; 0 for none',
    env: 'HOTLINE_HEARTBEAT_MS',
    default: '15000',
    valueName: 'ms',
  },
  'max-connections': {
    type: 'string',
    description: 'Most subscribers on this node (then 503)',
    env: 'HOTLINE_MAX_CONNECTIONS',
    default: '15000',
    valueName: 'n',
  },
  'max-connections-per-ip': {
    type: 'string',
    description: 'Most subscribers per client IP (then 429); 0 for no limit',
    env: 'HOTLINE_MAX_CONNECTIONS_PER_IP',
    default: '0',
    valueName: 'n',
  },
  'max-selector-length': {
    type: 'string',
    description: 'Longest URI-template topic selector a subscription may use (then 400)',
    env: 'HOTLINE_MAX_SELECTOR_LENGTH',
    default: '1024',
    valueName: 'chars',
  },
  'max-template-expressions': {
    type: 'string',
    description: 'Most {…} expressions in one URI template, each variable counted (then 400)',
    env: 'HOTLINE_MAX_TEMPLATE_EXPRESSIONS',
    default: '16',
    valueName: 'n',
  },
  'max-templates-per-connection': {
    type: 'string',
    description: 'Most distinct URI-template selectors in one subscription (then 400)',
    env: 'HOTLINE_MAX_TEMPLATES_PER_CONNECTION',
    default: '64',
    valueName: 'n',
  },
  'max-templates-per-ip': {
    type: 'string',
    description:
      'Most distinct URI-template selectors one client IP holds on its open streams (then 429); 0 for no limit',
    env: 'HOTLINE_MAX_TEMPLATES_PER_IP',
    default: '1024',
    valueName: 'n',
  },
  'drain-window-ms': {
    type: 'string',
    description: 'On SIGTERM, spread stream closes over this long',
    env: 'HOTLINE_DRAIN_WINDOW_MS',
    default: '10000',
    valueName: 'ms',
  },
  'headers-timeout-ms': {
    type: 'string',
    description: 'Time a client has to send its request headers (slowloris defence)',
    env: 'HOTLINE_HEADERS_TIMEOUT_MS',
    default: '10000',
    valueName: 'ms',
  },
  'request-timeout-ms': {
    type: 'string',
    description: 'Time a publisher has to send its whole request',
    env: 'HOTLINE_REQUEST_TIMEOUT_MS',
    default: '60000',
    valueName: 'ms',
  },
  'no-dashboard': {
    type: 'boolean',
    description: 'Do not serve the dashboard (/) and the demo page (/demo)',
    env: 'HOTLINE_NO_DASHBOARD',
  },
  demo: {
    type: 'boolean',
    description: 'Run the demo publisher (ticker, news, scores, notifications); on with --dev',
    env: 'HOTLINE_DEMO',
  },
  'no-demo': { type: 'boolean', description: 'Do not run the demo publisher, even with --dev', env: 'HOTLINE_NO_DEMO' },
  'demo-history-max-events': {
    type: 'string',
    description:
      "The demo's own history budget, apart from --history-max-events so it never evicts your updates (memory and SQLite logs)",
    env: 'HOTLINE_DEMO_HISTORY_MAX_EVENTS',
    default: String(DEMO_DEFAULTS.historyMaxEvents),
    valueName: 'n',
  },
  compression: {
    type: 'boolean',
    description: 'Compress streams (gzip/br, flushed per event) for clients that accept it; on by default',
    env: 'HOTLINE_COMPRESSION',
  },
  'no-compression': {
    type: 'boolean',
    description: 'Send every stream uncompressed',
    env: 'HOTLINE_NO_COMPRESSION',
  },
  'compression-max-streams': {
    type: 'string',
    description: 'Most streams compressed at once; later ones go out uncompressed',
    env: 'HOTLINE_COMPRESSION_MAX_STREAMS',
    default: '10000',
    valueName: 'n',
  },
  'slow-consumers': {
    type: 'string',
    description:
      'Topic selector → slow-consumer policy, as JSON: {"<selector>": {"policy": "conflate"|"drop-oldest"|"close", "key"?: "topic"|"data.<field>", "bufferLimit"?: <bytes>}}',
    env: 'HOTLINE_SLOW_CONSUMERS',
    valueName: 'json',
  },
  conflate: {
    type: 'string',
    multiple: true,
    description: 'Topic selector whose updates a lagging subscriber gets conflated: the latest value per topic',
    env: 'HOTLINE_CONFLATE',
    valueName: 'selector',
  },
  'subscriptions-api': {
    type: 'boolean',
    description: 'Serve the subscriptions API and publish presence updates; on with --dev',
    env: 'HOTLINE_SUBSCRIPTIONS_API',
  },
  'presence-lease-ms': {
    type: 'string',
    description: "How long a crashed node's subscriptions stay listed",
    env: 'HOTLINE_PRESENCE_LEASE_MS',
    default: '15000',
    valueName: 'ms',
  },
  'log-level': {
    type: 'string',
    description: 'fatal, error, warn, info, debug, trace or silent',
    env: 'HOTLINE_LOG_LEVEL',
    default: 'info',
    valueName: 'level',
  },
  dev: {
    type: 'boolean',
    description:
      'Development mode: stored dev secret, anonymous subscribers, printed tokens, CORS and cookie publishes for http://localhost:* and http://127.0.0.1:*, the subscriptions API, dashboard and demo sign-in from this machine, short secrets allowed',
    env: 'HOTLINE_DEV',
  },
};
