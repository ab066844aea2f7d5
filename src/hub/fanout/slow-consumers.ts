/**
 * Slow-consumer policies per topic selector: which updates a lagging subscriber may lose, and how. By
 * default a subscriber that falls `maxBufferedBytes` behind is disconnected and resumes by id; a ticker
 * or a scoreboard would rather be conflated (latest value per key wins) or drop its oldest updates. Each
 * configured selector gets one `FramePolicy` (its own budget in every subscriber's queue), and each update
 * is classified once, when it is encoded — not once per subscriber.
 * @module
 */
import { HotlineError } from '../../errors.js';
import type { FramePolicy } from '../../server/index.js';
import type { TopicMatcher } from '../topics/index.js';
import type { StoredUpdate } from '../update.js';
import { encodeUpdate, type Outgoing } from './outgoing.js';

/** What a lagging subscriber does with the updates of one topic selector. */
export interface SlowConsumerPolicy {
  /**
   * `'conflate'`: while the subscriber lags, a queued update is replaced by a newer one with the same key
   * (it ends with the latest value of every key). `'drop-oldest'`: the oldest queued updates are dropped.
   * `'close'`: the stream is closed and the client resumes by id (the hub's behaviour for other updates).
   */
  policy: 'conflate' | 'drop-oldest' | 'close';
  /**
   * For `'conflate'`: what makes two updates values of the same thing — `'topic'` (the matched topic), or
   * `'data.<field>'`, a top-level field of the update's JSON data (updates without it are not conflated:
   * past the budget they are dropped oldest first). @defaultValue 'topic'
   */
  key?: 'topic' | `data.${string}`;
  /** Bytes of these updates one subscriber may have queued before the policy applies. @defaultValue the hub's `maxBufferedBytes` */
  bufferLimit?: number;
}

/** Topic selector (exact topic, URI template or `*`) → policy; the first selector that matches wins. */
export type SlowConsumerPolicies = Record<string, SlowConsumerPolicy>;

interface Rule {
  readonly selector: string;
  readonly policy: FramePolicy;
  readonly keyOf: (update: StoredUpdate, topic: string) => string | undefined;
}

const DATA_PREFIX = 'data.';

/**
 * The conflation key of `update` (matched through `topic`) for a key spec, or `undefined` when it has
 * none. Topic keys and data keys never collide: each carries its kind, and data values their JSON text.
 */
export function conflationKey(
  spec: NonNullable<SlowConsumerPolicy['key']>,
  update: Pick<StoredUpdate, 'data'>,
  topic: string,
): string | undefined {
  if (spec === 'topic') return `topic\u0000${topic}`;
  const field = spec.slice(DATA_PREFIX.length);
  let data: unknown;
  try {
    data = JSON.parse(update.data);
  } catch {
    return undefined;
  }
  if (typeof data !== 'object' || data === null || Array.isArray(data) || !Object.hasOwn(data, field)) return undefined;
  const value = JSON.stringify((data as Record<string, unknown>)[field]);
  return value === undefined ? undefined : `data\u0000${value}`;
}

/**
 * Turns stored updates into what subscribers are sent: the frame, encoded once, and — when a configured
 * selector matches one of the update's topics — that selector's policy and the update's key.
 */
export function createUpdateEncoder(
  policies: SlowConsumerPolicies,
  maxBufferedBytes: number,
  matcher: TopicMatcher,
): (update: StoredUpdate) => Outgoing {
  const rules: Rule[] = Object.entries(policies).map(([selector, p], index) => {
    const spec = p.key ?? 'topic';
    return {
      selector,
      policy: { backpressure: p.policy, maxBufferedBytes: p.bufferLimit ?? maxBufferedBytes },
      // A session conflates only within one policy; the selector's index keeps keys of two selectors apart.
      keyOf:
        p.policy === 'conflate'
          ? (update, topic) => {
              const key = conflationKey(spec, update, topic);
              return key === undefined ? undefined : `${index}\u0000${key}`;
            }
          : () => undefined,
    };
  });
  if (rules.length === 0) return (update) => ({ frame: encodeUpdate(update) });
  return (update) => {
    const frame = encodeUpdate(update);
    for (const rule of rules) {
      const topic = update.topics.find((t) => matcher.matches(rule.selector, t));
      if (topic !== undefined) return { frame, key: rule.keyOf(update, topic), policy: rule.policy };
    }
    return { frame };
  };
}

/** Checks policies given to `createHub` or in a config file; the first problem is an invalid option. */
export function validateSlowConsumerPolicies(policies: unknown): SlowConsumerPolicies {
  if (typeof policies !== 'object' || policies === null || Array.isArray(policies))
    throw invalid('slowConsumers must map topic selectors to policies');
  for (const [selector, value] of Object.entries(policies)) {
    const where = `slowConsumers[${JSON.stringify(selector)}]`;
    if (selector === '') throw invalid(`${where}: the topic selector is empty`);
    if (typeof value !== 'object' || value === null) throw invalid(`${where} must be an object`);
    const { policy, key, bufferLimit, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest)[0];
    if (unknown !== undefined) throw invalid(`${where}: unknown field ${JSON.stringify(unknown)}`);
    if (policy !== 'conflate' && policy !== 'drop-oldest' && policy !== 'close')
      throw invalid(`${where}.policy must be 'conflate', 'drop-oldest' or 'close'`);
    if (key !== undefined) {
      if (policy !== 'conflate') throw invalid(`${where}.key only applies to the 'conflate' policy`);
      if (
        key !== 'topic' &&
        !(typeof key === 'string' && key.startsWith(DATA_PREFIX) && key.length > DATA_PREFIX.length)
      )
        throw invalid(`${where}.key must be 'topic' or 'data.<field>'`);
    }
    if (bufferLimit !== undefined && !(Number.isSafeInteger(bufferLimit) && (bufferLimit as number) > 0))
      throw invalid(`${where}.bufferLimit must be a positive integer (bytes)`);
  }
  return policies as SlowConsumerPolicies;
}

function invalid(message: string): HotlineError {
  return new HotlineError('HOTLINE_HUB_INVALID_OPTIONS', message);
}
