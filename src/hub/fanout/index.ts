/**
 * Delivery: how a stored update reaches the subscribers of this node. The outgoing frame is encoded once
 * per update (`outgoing.ts`, with its slow-consumer policy from `slow-consumers.ts`); the subscriber index
 * finds its recipients without testing every subscriber (`subscriber-index.ts`, `prefix-tree.ts`); each
 * `Subscriber` holds live updates while `resume.ts` replays what it missed, then goes live.
 * @module
 */

export { encodeUpdate, type Outgoing } from './outgoing.js';
export { EARLIEST, RESET_EVENT, type ResetReason, resume } from './resume.js';
export {
  conflationKey,
  createUpdateEncoder,
  type SlowConsumerPolicies,
  type SlowConsumerPolicy,
  validateSlowConsumerPolicies,
} from './slow-consumers.js';
export { Subscriber, type SubscriberInit, type SubscriberStream } from './subscriber.js';
export { SubscriberIndex } from './subscriber-index.js';
