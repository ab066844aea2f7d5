/**
 * `hotline/hub` — a Mercure-protocol pub/sub hub over SSE with durable history, resume with no gap and no
 * duplicate, and JWT authorization (or a scheme of your own: the `authorizer` option). Mount `hub.handler` in
 * an existing server or call `hub.listen()`.
 * @module
 */

export type { HotlineErrorCode } from '../errors.js';
export { HotlineError, isHotlineError } from '../errors.js';
export type {
  AccessTokenPolicy,
  AsymmetricAlgorithm,
  AuthAction,
  Authorizer,
  Credential,
  CredentialSource,
  Grant,
  HmacAlgorithm,
  JwtAuthorizerOptions,
  JwtKeyOptions,
  MercureClaims,
  Rights,
  SubscribePayload,
  TopicMatcherClaim,
} from './auth/index.js';
export {
  ACCESS_TOKEN_COOKIE,
  ACCESS_TOKEN_QUERY_PARAMETER,
  AUTH_COOKIE,
  AUTH_QUERY_PARAMETER,
  createJwtAuthorizer,
} from './auth/index.js';
export type { DashboardOptions, DemoPublisherOptions, DemoTokenClaims, DemoUser } from './dashboard/index.js';
export {
  createDashboard,
  DASHBOARD_DEFAULTS,
  DEMO_DEFAULTS,
  DEMO_SESSION_DEFAULTS,
  demoTopics,
  notificationTopic,
  startDemoPublisher,
} from './dashboard/index.js';
export type { DashboardHost, HubExtension, HubExtensionFactory } from './extension.js';
export type { ResetReason } from './fanout/resume.js';
export { EARLIEST, RESET_EVENT } from './fanout/resume.js';
export { HttpError, HttpRejection } from './http-errors.js';
export type { DrainOptions, Hub, HubStats, ListenOptions } from './hub.js';
export { createHub } from './hub.js';
export type { TlsCredentials } from './listen.js';
export type {
  EventLog,
  FollowerErrorContext,
  FollowerErrorHandler,
  LogFollower,
  LogHealth,
  LogOptions,
  RetentionOptions,
} from './log/event-log.js';
export { createMemoryLog } from './log/memory.js';
export { openLog } from './log/open-log.js';
export type { SeparateRetention } from './log/separate-retention.js';
export type { SqliteLogOptions } from './log/sqlite.js';
export { createSqliteLog } from './log/sqlite.js';
export { LOG_REDACTION } from './log-redaction.js';
export type { HubOptions } from './options.js';
export { HUB_DEFAULTS } from './options.js';
export type { PublishInput } from './publish-input.js';
export { HUB_PATH } from './router.js';
export type { NewUpdate, StoredUpdate } from './update.js';
