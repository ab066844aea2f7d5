/**
 * The publisher driver: sends `count` publishes with at most `inFlight` outstanding (optionally paced to a
 * rate), each payload stamped with its send time as `"t":<epoch ms>` so subscribers can measure latency.
 * Request shapes are pluggable: Mercure, nchan, or a generic JSON POST. With `topics`, publish `j` goes to
 * topic `j % topics`: `{topic}` in the shape's topic, channel or path is replaced by that number.
 * @module
 */
import { Agent, request } from 'node:http';
import { Agent as TlsAgent, request as tlsRequest } from 'node:https';
import type { TlsTrust } from '../tls-trust.js';

/** How one publish is sent. */
export type PublishShape =
  /** Mercure: `POST /.well-known/mercure`, form body `topic=…&data=…`, `Authorization: Bearer <jwt>`. */
  | { kind: 'mercure'; topic: string; jwt: string; path?: string }
  /** nchan: `POST /pub/<channel>`, the payload as the raw body. */
  | { kind: 'nchan'; channel: string }
  /** Any server: `POST <path>` with the JSON body `{"data": "<payload>"}`. */
  | { kind: 'json'; path: string; headers?: Record<string, string> };

/** Publisher options. */
export interface PublishOptions {
  host: string;
  port: number;
  /** Publish over TLS (`https:`). @defaultValue false */
  tls?: boolean;
  /** What to trust over TLS beyond the system's CAs (`--ca`, `--insecure`). */
  tlsTrust?: TlsTrust;
  shape: PublishShape;
  /** Topics to publish to, round-robin. @defaultValue 1 */
  topics?: number;
  count: number;
  /** Publishes outstanding at once. @defaultValue 1 */
  inFlight?: number;
  /** Payload size in bytes (the stamp and padding included). @defaultValue 64 */
  payloadBytes?: number;
  /** Publishes per second; 0 sends as fast as `inFlight` allows. @defaultValue 0 */
  ratePerSecond?: number;
}

/** What the publisher measured. */
export interface PublishResult {
  sent: number;
  failed: number;
  /** Up to five distinct failure reasons. */
  errors: string[];
  startedAt: number;
  finishedAt: number;
}

/**
 * A payload of exactly `bytes` bytes (at least the stamp's length), e.g.
 * `{"t":1764060000000.123,"s":42,"p":"xxx"}`: the send time, and the publish's sequence number, by which a
 * reconnecting subscriber tells an update replayed twice from a new one.
 */
export function stampedPayload(bytes: number, seq: number): string {
  const head = `{"t":${(performance.timeOrigin + performance.now()).toFixed(3)},"s":${seq},"p":"`;
  return `${head}${'x'.repeat(Math.max(0, bytes - head.length - 2))}"}`;
}

const TOPIC = '{topic}';

function requestOf(
  shape: PublishShape,
  payload: string,
  topic: number,
): { path: string; headers: Record<string, string>; body: string } {
  const withTopic = (text: string): string => text.replaceAll(TOPIC, String(topic));
  switch (shape.kind) {
    case 'mercure':
      return {
        path: shape.path ?? '/.well-known/mercure',
        headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: `Bearer ${shape.jwt}` },
        body: new URLSearchParams({ topic: withTopic(shape.topic), data: payload }).toString(),
      };
    case 'nchan':
      return {
        path: `/pub/${encodeURIComponent(withTopic(shape.channel))}`,
        headers: { 'content-type': 'text/plain' },
        body: payload,
      };
    case 'json':
      return {
        path: withTopic(shape.path),
        headers: { 'content-type': 'application/json', ...shape.headers },
        body: JSON.stringify({ data: payload }),
      };
  }
}

function publishOnce(agent: Agent, options: PublishOptions, payload: string, topic: number): Promise<void> {
  const { path, headers, body } = requestOf(options.shape, payload, topic);
  return new Promise((resolve, reject) => {
    const req = (options.tls ? tlsRequest : request)(
      {
        agent,
        host: options.host,
        port: options.port,
        method: 'POST',
        path,
        headers: { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        res.on('end', () => {
          const status = res.statusCode ?? 0;
          if (status >= 200 && status < 300) resolve();
          else reject(new Error(`HTTP ${status}`));
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** Runs the publisher to completion; failed publishes are counted, never thrown. */
export async function publish(options: PublishOptions): Promise<PublishResult> {
  const inFlight = Math.max(1, options.inFlight ?? 1);
  const bytes = options.payloadBytes ?? 64;
  const intervalMs = options.ratePerSecond ? 1000 / options.ratePerSecond : 0;
  const topics = Math.max(1, options.topics ?? 1);
  const trust = options.tlsTrust;
  const agent = options.tls
    ? new TlsAgent({
        keepAlive: true,
        maxSockets: inFlight,
        ...(trust?.ca === undefined ? {} : { ca: trust.ca }),
        rejectUnauthorized: trust?.insecure !== true,
      })
    : new Agent({ keepAlive: true, maxSockets: inFlight });
  const errors = new Set<string>();
  const result: PublishResult = { sent: 0, failed: 0, errors: [], startedAt: Date.now(), finishedAt: 0 };
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < options.count) {
      const index = next++;
      if (intervalMs > 0) {
        const due = result.startedAt + index * intervalMs;
        const wait = due - Date.now();
        if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      }
      try {
        await publishOnce(agent, options, stampedPayload(bytes, index), index % topics);
        result.sent++;
      } catch (error) {
        result.failed++;
        if (errors.size < 5) errors.add((error as Error).message);
      }
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  agent.destroy();
  result.finishedAt = Date.now();
  result.errors = [...errors];
  return result;
}
