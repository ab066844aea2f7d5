/**
 * `hotline doctor <url>` — diagnoses a deployed SSE endpoint, Hotline's or anyone's: status and headers,
 * HTTP version, compression, time to first byte and to the first event, and whether something between
 * the server and here buffers the stream (the most common SSE failure: events arrive in bursts, or only
 * when the stream ends). Against a Hotline hub it asks for two probe comments sent 500 ms apart; against
 * other servers it watches how events arrive. It says in plain words what to fix.
 * @module
 */
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import { announcedHeartbeatMs, createParser } from '../protocol/index.js';
import { helpText, integerOption, type OptionTable, parseOptions, stringOption, UsageError } from './args.js';
import { formatDeployment, judgeDeployment, proxyOf } from './doctor-deploy.js';
import { type OpenedResponse, openResponse, type TlsFindings } from './doctor-transport.js';
import { unreachable } from './fail.js';
import { TLS_TRUST_OPTIONS, type TlsTrust, tlsTrust } from './tls-trust.js';

const OPTIONS: OptionTable = {
  token: { type: 'string', description: 'Bearer token to send', env: 'HOTLINE_TOKEN', valueName: 'jwt' },
  'watch-ms': {
    type: 'string',
    description: 'How long to wait for the headers, then to watch the stream',
    default: '4000',
    valueName: 'ms',
  },
  json: { type: 'boolean', description: 'Print the findings as JSON' },
  ...TLS_TRUST_OPTIONS,
};

const PROBE_GAP_MS = 500;

export interface Diagnosis {
  url: string;
  status: number;
  httpVersion: string;
  headers: Record<string, string | string[] | undefined>;
  contentEncoding: string | undefined;
  timeToFirstByteMs: number | undefined;
  timeToFirstEventMs: number | undefined;
  events: number;
  /** The arrival gap of the two Hotline probes (≈ 500 ms when nothing buffers), if the server sent them. */
  probeGapMs: number | undefined;
  /** When the stream ended before the watch did (a server or a proxy's read timeout closed it). */
  streamEndedAfterMs?: number;
  /** The certificate and the protocol ALPN chose, for an https: URL. */
  tls: TlsFindings | undefined;
  /** The heartbeat period a Hotline stream announced (`0`: none), if it announced one. */
  heartbeatMs: number | undefined;
  /** The proxy or server that answered, from `Server` and `Via` (`nginx`, `Caddy`…), if it says. */
  proxy: string | undefined;
  buffering: 'none' | 'suspected' | 'detected' | 'unknown';
  problems: string[];
  advice: string[];
}

export async function diagnose(
  url: string,
  options: { token?: string; watchMs?: number; trust?: TlsTrust } = {},
): Promise<Diagnosis> {
  const target = new URL(url);
  if (!target.searchParams.has('hotlineProbe')) target.searchParams.set('hotlineProbe', '1');
  const watchMs = options.watchMs ?? 4000;
  const started = performance.now();
  const headers: Record<string, string> = {
    Accept: 'text/event-stream',
    'Accept-Encoding': 'br, gzip, deflate',
    'Cache-Control': 'no-cache',
  };
  if (options.token !== undefined) headers.Authorization = `Bearer ${options.token}`;
  const response = await openResponse(target, headers, watchMs, options.trust);
  const diagnosis: Diagnosis = {
    url,
    status: response?.status ?? 0,
    httpVersion: response?.httpVersion ?? '-',
    headers: response?.headers ?? {},
    contentEncoding: firstHeader(response?.headers['content-encoding']),
    timeToFirstByteMs: undefined,
    timeToFirstEventMs: undefined,
    events: 0,
    probeGapMs: undefined,
    tls: response?.tls,
    heartbeatMs: undefined,
    proxy: response === undefined ? undefined : proxyOf(response.headers),
    buffering: 'unknown',
    problems: [],
    advice: [],
  };
  if (response === undefined) {
    diagnosis.buffering = 'suspected';
    diagnosis.problems.push(
      `no response headers within ${watchMs} ms: the server or something between holds the response back`,
    );
    diagnosis.advice.push('An SSE endpoint must send its headers (and a first comment) at once.');
    adviseOnBuffering(diagnosis);
    judgeDeployment(diagnosis);
    return diagnosis;
  }
  const { arrivals, probes } = await watchStream(response, diagnosis, started, watchMs);
  judge(diagnosis, arrivals, probes, watchMs);
  judgeDeployment(diagnosis);
  return diagnosis;
}

function firstHeader(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

/** Reads the stream for `watchMs`, noting when each event and each Hotline probe comment arrived. */
async function watchStream(
  response: OpenedResponse,
  diagnosis: Diagnosis,
  started: number,
  watchMs: number,
): Promise<{ arrivals: number[]; probes: number[] }> {
  const arrivals: number[] = [];
  const probes: number[] = [];
  const parser = createParser({
    onEvent: () => {
      diagnosis.events++;
      diagnosis.timeToFirstEventMs ??= performance.now() - started;
      arrivals.push(performance.now());
    },
    onComment: (text) => {
      if (text.startsWith('probe ')) probes.push(performance.now());
      // The first comment of a Hotline stream announces its heartbeat period (`ok`: none).
      else if (diagnosis.heartbeatMs === undefined)
        diagnosis.heartbeatMs = text === 'ok' ? 0 : announcedHeartbeatMs(text);
    },
    onError: (error) => {
      // Clients drop such a connection and reconnect: the operator must hear of it, not see a lower count.
      if (error.code === 'HOTLINE_PARSE_EVENT_TOO_LARGE') {
        diagnosis.problems.push(`${error.message}: EventSource and connect() drop the connection and reconnect`);
      }
    },
  });
  const encoding = diagnosis.contentEncoding;
  const { body } = response;
  const decoded =
    encoding === 'br'
      ? body.pipe(createBrotliDecompress())
      : encoding === 'gzip'
        ? body.pipe(createGunzip())
        : encoding === 'deflate'
          ? body.pipe(createInflate())
          : body;
  await new Promise<void>((resolve) => {
    let watched = false;
    const timer = setTimeout(() => {
      watched = true;
      response.close();
      resolve();
    }, watchMs);
    body.once('data', () => {
      diagnosis.timeToFirstByteMs = performance.now() - started;
    });
    decoded.on('data', (chunk: Buffer) => parser.feed(chunk));
    decoded.on('error', () => {});
    body.on('error', () => {});
    body.on('close', () => {
      if (!watched) diagnosis.streamEndedAfterMs = performance.now() - started;
      clearTimeout(timer);
      resolve();
    });
  });
  return { arrivals, probes };
}

function judge(d: Diagnosis, arrivals: number[], probes: number[], watchMs: number): void {
  const contentType = String(d.headers['content-type'] ?? '');
  if (d.status !== 200) d.problems.push(`status ${d.status}: EventSource gives up on anything but 200`);
  if (!contentType.startsWith('text/event-stream'))
    d.problems.push(`Content-Type is "${contentType}", not text/event-stream`);
  const cacheControl = String(d.headers['cache-control'] ?? '');
  if (!cacheControl.includes('no-cache') && !cacheControl.includes('no-store')) {
    d.problems.push('no Cache-Control: no-cache — a cache or CDN may hold the stream');
    d.advice.push('Send Cache-Control: no-cache, no-transform from the SSE endpoint.');
  }
  if (d.status === 200 && d.streamEndedAfterMs !== undefined) {
    d.problems.push(
      `the stream ended after ${Math.round(d.streamEndedAfterMs)} ms: every end costs the client a reconnect (and its events meanwhile a replay)`,
    );
    d.advice.push(
      "A proxy's read timeout shorter than the silence between events closes streams: nginx `proxy_read_timeout 1h;`, and keep the hub's heartbeats on.",
    );
  }
  if (d.timeToFirstByteMs === undefined) {
    d.problems.push(`no byte arrived within ${watchMs} ms — headers or first bytes are held back`);
    d.advice.push('Flush headers at once (write a first comment); browsers fire `open` only when bytes arrive.');
  }
  if (probes.length >= 2) {
    d.probeGapMs = probes[1]! - probes[0]!;
    d.buffering = d.probeGapMs < PROBE_GAP_MS / 2 ? 'detected' : 'none';
  } else if (probes.length === 1) {
    d.buffering = 'detected';
  } else if (arrivals.length >= 4) {
    // Without probes: events arriving in tight bursts separated by long silences point to a buffer.
    const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
    const tight = gaps.filter((g) => g < 2).length;
    d.buffering = tight / gaps.length > 0.8 && Math.max(...gaps) > 200 ? 'suspected' : 'none';
  }
  if (d.buffering === 'detected' || d.buffering === 'suspected') {
    d.problems.push('events arrive in bursts: something between the server and this client buffers the stream');
    adviseOnBuffering(d);
  }
}

function adviseOnBuffering(d: Diagnosis): void {
  d.advice.push(
    'nginx: `proxy_buffering off;` for this location (or send `X-Accel-Buffering: no`; with buffering on, `gzip on` holds the whole response), plus `proxy_cache off; proxy_read_timeout 1h;`.',
  );
  d.advice.push(
    'Compression middleware (e.g. Express `compression()`) buffers: exclude text/event-stream, or use Hotline`s per-event flushed compression.',
  );
  d.advice.push(
    'Cloudflare and other CDNs: make sure the response is not cached and that Cache-Control has no-transform.',
  );
}

export function formatDiagnosis(d: Diagnosis): string {
  const ms = (n: number | undefined) => (n === undefined ? 'never' : `${Math.round(n)} ms`);
  const lines = [
    `${d.url}`,
    `  status            ${d.status} (HTTP/${d.httpVersion})`,
    `  content-type      ${String(d.headers['content-type'] ?? '-')}`,
    `  cache-control     ${String(d.headers['cache-control'] ?? '-')}`,
    `  compression       ${d.contentEncoding ?? 'none'}`,
    `  first byte        ${ms(d.timeToFirstByteMs)}`,
    `  first event       ${ms(d.timeToFirstEventMs)} (${d.events} events watched)`,
    `  buffering         ${d.buffering}${d.probeGapMs === undefined ? '' : ` (probes sent ${PROBE_GAP_MS} ms apart arrived ${Math.round(d.probeGapMs)} ms apart)`}`,
    ...formatDeployment(d),
  ];
  if (d.problems.length === 0) lines.push('', 'No problem found.');
  else lines.push('', 'Problems:', ...d.problems.map((p) => `  - ${p}`));
  if (d.advice.length > 0) lines.push('', 'What to do:', ...d.advice.map((a) => `  - ${a}`));
  return lines.join('\n');
}

export const doctorCommand = {
  summary: 'Diagnose an SSE endpoint: headers, compression, latency and buffering proxies',
  async run(args: string[]): Promise<number> {
    const [url, ...rest] = args;
    const values = parseOptions(url?.startsWith('-') ? args : rest, OPTIONS);
    if (values.help === true) {
      console.log(helpText('hotline doctor <url> [options]', this.summary, OPTIONS));
      return 0;
    }
    if (url === undefined || url.startsWith('-')) throw new UsageError('give the URL of the SSE endpoint first');
    const token = stringOption(values, 'token');
    const trust = tlsTrust(values);
    const diagnosis = await diagnose(url, {
      ...(token ? { token } : {}),
      ...(trust === undefined ? {} : { trust }),
      watchMs: integerOption(values, 'watch-ms') ?? 4000,
    }).catch((error: unknown) => {
      throw unreachable(url, error, 'is the server running there? check the URL');
    });
    console.log(values.json === true ? JSON.stringify(diagnosis, null, 2) : formatDiagnosis(diagnosis));
    return diagnosis.problems.length === 0 ? 0 : 1;
  },
};
