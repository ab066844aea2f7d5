/**
 * `hotline bench <hub url>` — load-tests a hub (this one or any Mercure hub): subscribers spread over
 * worker processes, a publisher with N publishes in flight, publish→receive latency. A progress bar goes
 * to stderr, the measurements as JSON to stdout (`docs/benchmarks-method.md` says what each number means).
 * @module
 */

import { helpText, integerOption, type OptionTable, parseOptions, stringOption, UsageError } from './args.js';
import { type LoadProgress, type LoadResult, runLoad, STREAMS_PER_CONNECTION } from './bench/index.js';
import { TLS_TRUST_OPTIONS, tlsTrust } from './tls-trust.js';

const OPTIONS: OptionTable = {
  subscribers: { type: 'string', short: 'n', description: 'Subscriber connections', default: '100', valueName: 'n' },
  workers: {
    type: 'string',
    description: 'Subscriber processes (default: one per 8,000 subscribers)',
    valueName: 'n',
  },
  topic: { type: 'string', short: 't', description: 'Topic to subscribe and publish to', default: 'hotline-bench' },
  count: { type: 'string', short: 'c', description: 'Updates to publish; 0 to only connect', default: '100' },
  rate: { type: 'string', description: 'Publishes per second; 0 for as fast as --in-flight allows', default: '0' },
  'in-flight': { type: 'string', description: 'Publishes outstanding at once', default: '1', valueName: 'n' },
  'payload-bytes': { type: 'string', description: 'Size of each update’s data', default: '64', valueName: 'bytes' },
  'connect-rate': {
    type: 'string',
    description: 'New connections per second, per worker',
    default: '4000',
    valueName: 'n',
  },
  token: { type: 'string', description: 'Publisher JWT', env: 'HOTLINE_TOKEN', valueName: 'jwt' },
  'subscriber-token': {
    type: 'string',
    description: 'Subscriber JWT (default: subscribe anonymously)',
    env: 'HOTLINE_SUBSCRIBER_TOKEN',
    valueName: 'jwt',
  },
  reconnect: {
    type: 'boolean',
    description:
      'A subscriber the hub closes (e.g. as a slow consumer) resumes with Last-Event-ID; replays count as duplicates, not deliveries',
  },
  'stall-ms': {
    type: 'string',
    description:
      'Each subscriber stops reading at its first update until this long after the last publish (a reader falling behind)',
    default: '0',
    valueName: 'ms',
  },
  pid: { type: 'string', description: 'Pid of a hub on this machine, to report its RSS and CPU', valueName: 'pid' },
  'idle-timeout-ms': {
    type: 'string',
    description: 'Stop waiting for deliveries after this long without one',
    default: '3000',
    valueName: 'ms',
  },
  http2: {
    type: 'boolean',
    description: `Subscribe as HTTP/2 streams, ${STREAMS_PER_CONNECTION} per TLS connection, as browsers do (https: only)`,
  },
  ...TLS_TRUST_OPTIONS,
};

const USAGE = 'hotline bench [<hub url>] [options]   (default url: http://127.0.0.1:3000/.well-known/mercure)';

export const benchCommand = {
  summary: 'Load-test a hub: subscribers, publish rate, latency (JSON on stdout)',
  async run(args: string[]): Promise<number> {
    const positional = args[0] !== undefined && !args[0].startsWith('-') ? args[0] : undefined;
    const values = parseOptions(positional === undefined ? args : args.slice(1), OPTIONS);
    if (values.help === true) {
      console.log(helpText(USAGE, this.summary, OPTIONS));
      return 0;
    }
    const url = parseHubUrl(positional ?? 'http://127.0.0.1:3000/.well-known/mercure');
    const count = integerOption(values, 'count') ?? 0;
    const token = stringOption(values, 'token');
    if (count > 0 && token === undefined)
      throw new UsageError('--token (or HOTLINE_TOKEN) is required to publish; --count 0 only connects');
    const subscriberToken = stringOption(values, 'subscriber-token');
    const topic = stringOption(values, 'topic') ?? 'hotline-bench';
    const tls = url.protocol === 'https:';
    const trust = tlsTrust(values);
    const http2 = values.http2 === true;
    if (http2 && !tls) throw new UsageError('--http2 needs an https: hub URL (browsers speak HTTP/2 only over TLS)');
    const host = url.hostname.replace(/^\[|\]$/g, '');
    const port = Number(url.port || (tls ? 443 : 80));
    const workers = integerOption(values, 'workers');
    const pid = integerOption(values, 'pid');
    const bar = new ProgressBar();
    const result = await runLoad({
      subscribe: {
        host,
        port,
        tls,
        ...(trust === undefined ? {} : { tlsTrust: trust }),
        ...(http2 ? { http2 } : {}),
        path: `${url.pathname}?topic=${encodeURIComponent(topic)}`,
        ...(subscriberToken === undefined ? {} : { headers: { Authorization: `Bearer ${subscriberToken}` } }),
      },
      subscribers: integerOption(values, 'subscribers') ?? 100,
      ...(workers === undefined ? {} : { workers }),
      connectRatePerSecond: integerOption(values, 'connect-rate') ?? 4000,
      idleTimeoutMs: integerOption(values, 'idle-timeout-ms') ?? 3000,
      ...(values.reconnect === true ? { reconnect: true } : {}),
      stallMs: integerOption(values, 'stall-ms') ?? 0,
      ...(pid === undefined ? {} : { serverPid: pid }),
      ...(count === 0 || token === undefined
        ? {}
        : {
            publish: {
              shape: { kind: 'mercure', topic, jwt: token, path: url.pathname },
              count,
              inFlight: integerOption(values, 'in-flight') ?? 1,
              payloadBytes: integerOption(values, 'payload-bytes') ?? 64,
              ratePerSecond: integerOption(values, 'rate') ?? 0,
            },
          }),
      onProgress: (progress) => bar.update(progress),
    });
    bar.done(result);
    console.log(JSON.stringify(result, null, 2));
    // Non-zero when something went wrong, so a CI job can gate on it.
    return result.subscribers.failed > 0 || result.frames.lost > 0 || (result.publish?.failed ?? 0) > 0 ? 1 : 0;
  },
};

function parseHubUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`not a URL: ${JSON.stringify(text)}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError('the hub URL must be http: or https:');
  return url;
}

/** One line on stderr, redrawn in place on a terminal, printed once per phase otherwise. */
class ProgressBar {
  readonly #tty = process.stderr.isTTY === true;
  #phase = '';

  update(p: LoadProgress): void {
    // Frames are the unit of progress; while connecting, none are expected yet.
    const fraction =
      p.framesExpected > 0 ? Math.min(1, p.framesReceived / p.framesExpected) : p.phase === 'done' ? 1 : 0;
    const width = 30;
    const filled = Math.round(fraction * width);
    const line =
      `[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(Math.round(fraction * 100)).padStart(3)}% ` +
      `${p.phase.padEnd(10)} ${p.connected} connected, ${p.framesReceived}/${p.framesExpected} frames`;
    if (this.#tty) process.stderr.write(`\r${line}`);
    else if (p.phase !== this.#phase) process.stderr.write(`${line}\n`);
    this.#phase = p.phase;
  }

  done(result: LoadResult): void {
    if (this.#tty) process.stderr.write('\n');
    const s = result.subscribers;
    process.stderr.write(
      `${s.connected}/${s.requested} subscribers connected, ${result.frames.received}/${result.frames.expected} frames, ` +
        `${result.frames.lost} lost, ${result.deliveriesPerSecond} deliveries/s, p99 ${result.latency.p99Ms ?? '–'} ms\n`,
    );
  }
}
