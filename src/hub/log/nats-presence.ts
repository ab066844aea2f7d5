/**
 * The cluster's subscriptions in NATS JetStream: a stream `<stream>_presence` beside the log's, keeping
 * one message per subject (a key-value store, as NATS KV is built): `<P>.s.<node>.<sha256(key)>` holds a
 * subscription, `<P>.n.<node>` a node's lease, renewed by publishing it again.
 *
 * Leases are judged by the server's timestamps, not by a node's clock: a lease is live when it was
 * renewed within its length of the freshest lease in the stream — the caller's own, which is renewed every
 * third of a lease, so a dead node is seen dead within a lease and a third. Taking a dead node is a
 * publish with an expected last subject sequence, which JetStream grants to one caller only; the same
 * expectation tells a node that was presumed dead (a long pause) that it must record itself again.
 * @module
 */
import { createHash } from 'node:crypto';
import type { JetStreamClient, JetStreamManager, JsMsg } from '@nats-io/jetstream';
import { PRESENCE_PAGE, type PresenceStore } from './presence-store.js';

type JetStreamModule = typeof import('@nats-io/jetstream');

/** How long one page's fetch waits for messages that may not come. */
const FETCH_EXPIRES_MS = 2000;
/** The most one page may take, whatever the consumer does. */
const PAGE_DEADLINE_MS = 10_000;

interface Lease {
  readonly node: string;
  readonly seq: number;
  /** Server time of the renewal, in ms. */
  readonly at: number;
  readonly leaseMs: number;
  /** Taken by a reaper: not live; takeable again only once it is a lease old. */
  readonly ended: boolean;
}

/** The subjects of one presence stream. */
class PresenceSubjects {
  constructor(readonly stream: string) {}
  get all() {
    return `${this.stream}.>`;
  }
  get leases() {
    return `${this.stream}.n.*`;
  }
  get entries() {
    return `${this.stream}.s.>`;
  }
  lease(node: string) {
    return `${this.stream}.n.${node}`;
  }
  entriesOf(node: string) {
    return `${this.stream}.s.${node}.>`;
  }
  entry(node: string, key: string) {
    return `${this.stream}.s.${node}.${createHash('sha256').update(key).digest('base64url')}`;
  }
  /** The node of an entry subject. */
  nodeOf(subject: string) {
    return subject.slice(this.stream.length + 3, subject.lastIndexOf('.'));
  }
}

/**
 * A {@link PresenceStore} in the presence stream of the log stream `logStream`, created on first use with
 * the log's replica count. Node ids must be valid subject tokens (the hub's are UUIDs).
 */
export function createNatsPresenceStore(
  module: JetStreamModule,
  jsm: JetStreamManager,
  js: JetStreamClient,
  logStream: string,
  replicas: number,
): PresenceStore {
  const subjects = new PresenceSubjects(`${logStream}_presence`);
  const name = subjects.stream;
  /** The sequence of each local node's last renewal: what its next renewal expects to find. */
  const renewed = new Map<string, number>();
  let ready: Promise<void> | undefined;
  const ensureStream = () => {
    ready ??= jsm.streams.info(name).then(
      () => undefined,
      async () => {
        await jsm.streams.add({
          name,
          subjects: [subjects.all],
          max_msgs_per_subject: 1,
          num_replicas: replicas,
          storage: module.StorageType.File,
          discard: module.DiscardPolicy.Old,
        });
      },
    );
    // A failed creation is tried again by the next call.
    ready.catch(() => (ready = undefined));
    return ready;
  };

  /** The newest message of every subject under `filter`, a page at a time. */
  async function* lastPerSubject(filter: string): AsyncGenerator<JsMsg[]> {
    await ensureStream();
    const consumer = await js.consumers.get(name, {
      filter_subjects: filter,
      deliver_policy: module.DeliverPolicy.LastPerSubject,
    });
    // Known up front, so an empty or finished range never waits for a fetch to expire.
    let pending = (await consumer.info()).num_pending;
    while (pending > 0) {
      const page: JsMsg[] = [];
      const messages = await consumer.fetch({ max_messages: PRESENCE_PAGE, expires: FETCH_EXPIRES_MS });
      // A fetch ends by itself when it expires; this bounds it even if the consumer keeps resetting (an
      // engine under strain), so a listing fails rather than hangs.
      const deadline = setTimeout(() => messages.stop(new Error('presence read timed out')), PAGE_DEADLINE_MS);
      try {
        for await (const message of messages) {
          page.push(message);
          pending = message.info.pending;
          if (pending === 0 || page.length >= PRESENCE_PAGE) break;
        }
      } finally {
        clearTimeout(deadline);
      }
      await messages.close();
      if (page.length === 0) return;
      yield page;
    }
  }

  /**
   * Every node's lease: the stream's per-subject index names the lease subjects (one per node), and each is
   * one direct read — plain requests with a timeout, as this runs on every node's every reaping.
   */
  async function leases(): Promise<Lease[]> {
    await ensureStream();
    const info = await jsm.streams.info(name, { subjects_filter: subjects.leases });
    const found: Lease[] = [];
    for (const subject of Object.keys(info.state.subjects ?? {})) {
      const message = await jsm.streams.getMessage(name, { last_by_subj: subject }).catch(() => null);
      if (message === null) continue; // purged since the index was read
      const { leaseMs, ended } = JSON.parse(new TextDecoder().decode(message.data)) as {
        leaseMs: number;
        ended?: boolean;
      };
      found.push({
        node: subject.slice(name.length + 3),
        seq: message.seq,
        at: message.time.getTime(),
        leaseMs,
        ended: ended === true,
      });
    }
    return found;
  }

  /**
   * Splits leases into live and expired, judged against the freshest renewal (server time). A taken lease
   * (`ended`) is never live, and becomes takeable again once it is itself a lease old: a reaper that died
   * between taking a node and purging it leaves that node to the next one (its ends may then be announced
   * twice, never lost).
   */
  function judge(all: Lease[]): { live: Set<string>; expired: Lease[] } {
    const reference = Math.max(0, ...all.map((lease) => lease.at));
    const live = new Set<string>();
    const expired: Lease[] = [];
    for (const lease of all) {
      if (lease.at + lease.leaseMs < reference) expired.push(lease);
      else if (!lease.ended) live.add(lease.node);
    }
    return { live, expired };
  }

  async function valuesOf(node: string): Promise<string[]> {
    const values: string[] = [];
    for await (const page of lastPerSubject(subjects.entriesOf(node))) for (const m of page) values.push(m.string());
    return values;
  }

  return {
    async put(node, key, value) {
      await ensureStream();
      await js.publish(subjects.entry(node, key), value);
    },
    async delete(node, key) {
      await ensureStream();
      await jsm.streams.purge(name, { filter: subjects.entry(node, key) });
    },
    async renew(node, leaseMs) {
      await ensureStream();
      const body = JSON.stringify({ leaseMs });
      const previous = renewed.get(node);
      if (previous !== undefined) {
        try {
          renewed.set(
            node,
            (await js.publish(subjects.lease(node), body, { expect: { lastSubjectSequence: previous } })).seq,
          );
          return true;
        } catch {
          // Someone took the lease (or the engine lost it): register afresh below.
        }
      }
      renewed.set(node, (await js.publish(subjects.lease(node), body)).seq);
      return false;
    },
    async *values() {
      const { live } = judge(await leases());
      if (live.size === 0) return;
      for await (const page of lastPerSubject(subjects.entries)) {
        const values = page.filter((m) => live.has(subjects.nodeOf(m.subject))).map((m) => m.string());
        if (values.length > 0) yield values;
      }
    },
    async holders(key) {
      const { live } = judge(await leases());
      let count = 0;
      for (const node of live) {
        const found = await jsm.streams.getMessage(name, { last_by_subj: subjects.entry(node, key) }).catch(() => null); // no message on that subject
        if (found !== null) count++;
      }
      return count;
    },
    async reap() {
      const ended: string[] = [];
      for (const lease of judge(await leases()).expired) {
        try {
          await js.publish(subjects.lease(lease.node), JSON.stringify({ leaseMs: lease.leaseMs, ended: true }), {
            expect: { lastSubjectSequence: lease.seq },
          });
        } catch {
          continue; // another node took it, or it renewed just now
        }
        ended.push(...(await valuesOf(lease.node)));
        await jsm.streams.purge(name, { filter: subjects.entriesOf(lease.node) });
        await jsm.streams.purge(name, { filter: subjects.lease(lease.node) });
      }
      return ended;
    },
    async leave(node) {
      renewed.delete(node);
      await ensureStream();
      await jsm.streams.purge(name, { filter: subjects.entriesOf(node) });
      await jsm.streams.purge(name, { filter: subjects.lease(node) });
    },
  };
}
