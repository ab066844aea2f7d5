/**
 * Delivery: how a stored update reaches the subscribers of this node. The outgoing frame is encoded once
 * per update (`outgoing.ts`, with its slow-consumer policy from `slow-consumers.ts`); the subscriber index
 * finds its recipients without testing every subscriber (`subscriber-index.ts`, `prefix-tree.ts`); each
 * `Subscriber` holds live updates while `resume.ts` replays what it missed (or `state.ts` sends the state a
 * fresh subscriber asked for, parsed by `state-request.ts` and chosen by `state-selection.ts`), then goes
 * live; `presence.ts` records and announces subscriptions cluster-wide, in the shapes of
 * `subscription-resources.ts`. `createFanout` (`fanout.ts`) is the one interface the hub and its routes use.
 * @module
 */

export { createFanout, type Fanout, type FanoutOptions, type FanoutStats } from './fanout.js';
export { encodeUpdate, type Outgoing } from './outgoing.js';
export { type Announce, createPresence, type Presence, type PresenceOptions } from './presence.js';
export { NEWEST_VISIBLE_WINDOW, type Reconciliation, reconcile } from './reconcile.js';
export {
  EARLIEST,
  RESET_EVENT,
  type ResetReason,
  type ResumePoint,
  resolveResumePoint,
  resume,
} from './resume.js';
export {
  conflationKey,
  createUpdateEncoder,
  type SlowConsumerPolicies,
  type SlowConsumerPolicy,
  validateSlowConsumerPolicies,
} from './slow-consumers.js';
export { parseStateRequest, type StateMode, type StateRequest } from './state-request.js';
export { Subscriber, type SubscriberInit, type SubscriberStream } from './subscriber.js';
export { SubscriberIndex } from './subscriber-index.js';
export { type PayloadRule, subscriptionPayloads } from './subscription-payloads.js';
export {
  expandVariable,
  type Generation,
  JSON_LD_CONTEXT,
  MATCH_TYPES,
  type MatcherKind,
  type MatchType,
  parseRecord,
  recordAnswers,
  resourceId,
  SUBSCRIPTIONS_PATH,
  type SubscriptionRecord,
  type SubscriptionResource,
  type SubscriptionsQuery,
  toResource,
} from './subscription-resources.js';
