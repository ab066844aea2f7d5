/**
 * The seam through which a web front end (the dashboard and demo of `src/hub/dashboard/`) plugs into a
 * hub without the hub knowing it: the hub gives it a narrow host, and asks it first about every request.
 * @module
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Grant } from './auth/index.js';
import type { PublishInput } from './publish-input.js';
import type { StoredUpdate } from './update.js';

/** What a hub gives an extension. */
export interface DashboardHost {
  publish(input: PublishInput): Promise<StoredUpdate>;
  /**
   * Every update stored from now on; returns the function that stops following. A listener that throws
   * (or rejects) is logged by the hub and keeps getting the next updates; the publish and the other
   * followers never see its failure.
   */
  follow(listener: (update: StoredUpdate) => void): () => void;
  stats(): {
    subscribers: number;
    selectors: { selector: string; subscribers: number }[];
    deliveries: number;
    published: number;
  };
  /**
   * The grant of a request that may administer the hub (see every topic, private ones included: with the
   * JWT scheme, a publisher token for `*`). Otherwise rejects with a 401 `HttpRejection` saying why — no
   * credential, a malformed one, expired, wrong key or algorithm, too narrow — safe to show the client.
   */
  authorizeAdmin(req: IncomingMessage): Promise<Grant>;
}

/** A request handler the hub consults before its own routes (except the Mercure endpoint itself). */
export interface HubExtension {
  /** True (or a promise of true) when it answered the request. */
  handle(req: IncomingMessage, res: ServerResponse, url: URL): boolean | Promise<boolean>;
  close(): void;
}

export type HubExtensionFactory = (host: DashboardHost) => HubExtension;
