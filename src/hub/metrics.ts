/**
 * Prometheus metrics of one hub (`prom-client`), in a registry of its own so that several hubs in one
 * process (tests, embedding) never share or clash on counters.
 * @module
 */
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import { compressedStreamCount, sharedGzipStats } from '../server/index.js';
import type { EventLog } from './log/event-log.js';

export interface HubMetrics {
  readonly registry: Registry;
  readonly subscribers: Gauge;
  readonly subscriptions: Counter;
  readonly disconnects: Counter;
  readonly published: Counter;
  readonly deliveries: Counter;
  readonly bytesWritten: Counter;
  readonly slowConsumerDisconnects: Counter;
  readonly resumeFailures: Counter;
  readonly rejectedRequests: Counter<'status'>;
  readonly publishToWrite: Histogram;
}

/** Over 80 lines only because it is one declaration per metric, each with its name and help text. */
export function createHubMetrics(log: EventLog): HubMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const metrics: HubMetrics = {
    registry,
    subscribers: new Gauge({
      name: 'hotline_subscribers',
      help: 'Subscribers connected to this node',
      registers: [registry],
    }),
    subscriptions: new Counter({
      name: 'hotline_subscriptions_total',
      help: 'Subscriptions opened',
      registers: [registry],
    }),
    disconnects: new Counter({
      name: 'hotline_disconnects_total',
      help: 'Subscriptions closed, for any reason',
      registers: [registry],
    }),
    published: new Counter({
      name: 'hotline_updates_published_total',
      help: 'Updates stored through this node',
      registers: [registry],
    }),
    deliveries: new Counter({
      name: 'hotline_deliveries_total',
      help: 'Updates written to subscribers (live and replayed)',
      registers: [registry],
    }),
    bytesWritten: new Counter({
      name: 'hotline_bytes_written_total',
      help: 'Update bytes written to subscribers',
      registers: [registry],
    }),
    slowConsumerDisconnects: new Counter({
      name: 'hotline_slow_consumer_disconnects_total',
      help: 'Subscribers closed because they read slower than updates arrived',
      registers: [registry],
    }),
    resumeFailures: new Counter({
      name: 'hotline_resume_failures_total',
      help: 'Subscriptions closed because their history could not be read (the client resumes by id)',
      registers: [registry],
    }),
    rejectedRequests: new Counter({
      name: 'hotline_rejected_requests_total',
      help: 'Requests answered with an error status',
      labelNames: ['status'] as const,
      registers: [registry],
    }),
    publishToWrite: new Histogram({
      name: 'hotline_publish_to_write_seconds',
      help: 'Time from an update being accepted to it being written to subscribers on this node',
      buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [registry],
    }),
  };
  new Gauge({
    name: 'hotline_history_size',
    help: 'Updates retained in the event log',
    registers: [registry],
    // Every worker of one hub reads the same log: aggregated across them, it is one number, not a sum.
    aggregator: 'first',
    async collect() {
      this.set(await log.size().catch(() => Number.NaN));
    },
  });
  // Process-wide, like the compressors themselves: streams share them across hubs in one process.
  new Gauge({
    name: 'hotline_compressed_streams',
    help: 'Streams sent compressed (gzip or br), process-wide',
    registers: [registry],
    collect() {
      this.set(compressedStreamCount());
    },
  });
  new Gauge({
    name: 'hotline_gzip_compressors',
    help: 'gzip compressors in use, process-wide; streams sent the same updates share one',
    registers: [registry],
    collect() {
      this.set(sharedGzipStats().chains);
    },
  });
  return metrics;
}
