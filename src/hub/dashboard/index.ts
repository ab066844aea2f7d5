/**
 * The hub's web front end: the live dashboard, the four-panel demo and the demo publisher that feeds it.
 * Wire it with `createHub({ extension: (host) => createDashboard(host, options) })`.
 * @module
 */

export type { DashboardHost } from '../extension.js';
export type { StatsSnapshot, UpdateSummary } from './admin-stream.js';
export { DEFAULT_ASSETS_DIR } from './assets.js';
export type { DashboardOptions } from './dashboard.js';
export { createDashboard, DASHBOARD_DEFAULTS } from './dashboard.js';
export type { DemoPublisherOptions } from './demo-publisher.js';
export {
  DEMO_DEFAULTS,
  demoRetentionTopics,
  demoTopics,
  notificationTopic,
  startDemoPublisher,
} from './demo-publisher.js';
export type { DemoConfig, DemoTokenClaims, DemoUser } from './demo-session.js';
export { DEMO_SESSION_DEFAULTS } from './demo-session.js';
export type { DashboardSession, LoopbackAdmin } from './loopback-sign-in.js';
export { LOOPBACK_SIGN_IN_DEFAULTS } from './loopback-sign-in.js';
