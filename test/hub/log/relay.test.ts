/**
 * The relayed log (`relay-log.ts` + `relay-owner.ts`) passes the EventLog contract and the presence store
 * contract: each relay talks to its owner over a real MessageChannel (structured clone, ordered, async,
 * as cluster IPC with advanced serialization), and relays opened on one name share one owner, like the
 * workers of one `hotline serve --workers` hub.
 */
import { MessageChannel } from 'node:worker_threads';
import type { EventLog, LogOptions } from '../../../src/hub/log/event-log.js';
import { createMemoryLog } from '../../../src/hub/log/memory.js';
import { createMemoryPresenceStore } from '../../../src/hub/log/presence-store.js';
import { portChannel } from '../../../src/hub/log/relay-channel.js';
import { createRelayLog } from '../../../src/hub/log/relay-log.js';
import { type RelayOwner, serveRelay } from '../../../src/hub/log/relay-owner.js';
import { eventLogContract } from './contract.js';
import { presenceStoreContract } from './presence-contract.js';

interface Owned {
  readonly log: EventLog;
  readonly owner: RelayOwner;
  readonly ports: { close(): void }[];
}

function relayHarness(now?: () => number) {
  const owners = new Map<string, Promise<Owned>>();
  const ownerOf = (name: string, options: LogOptions) => {
    let owned = owners.get(name);
    if (owned === undefined) {
      const { onFollowerError: _relaysHaveTheirOwn, ...retention } = options;
      const log = createMemoryLog(retention);
      owned = serveRelay(log, createMemoryPresenceStore(now)).then((owner) => ({ log, owner, ports: [] }));
      owners.set(name, owned);
    }
    return owned;
  };
  return {
    async open(name: string, options: LogOptions = {}): Promise<EventLog> {
      const owned = await ownerOf(name, options);
      const { port1, port2 } = new MessageChannel();
      owned.ports.push(port1, port2);
      owned.owner.attach(portChannel(port1));
      return createRelayLog(portChannel(port2), options);
    },
    async destroy(name: string): Promise<void> {
      const owned = await owners.get(name);
      owners.delete(name);
      if (owned === undefined) return;
      owned.owner.close();
      for (const port of owned.ports) port.close();
      await owned.log.close();
    },
  };
}

eventLogContract('relay (memory owner over a MessageChannel)', relayHarness(), { durable: false, shared: true });

let clock = Date.now();
const presence = relayHarness(() => clock);
presenceStoreContract('relay (memory owner over a MessageChannel)', {
  async open(name) {
    return (await presence.open(name)).presence!();
  },
  async wait(ms) {
    clock += ms;
  },
  destroy: (name) => presence.destroy(name),
});
