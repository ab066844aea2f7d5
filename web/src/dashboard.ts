/**
 * The dashboard page: live numbers of the hub from its admin stream (SSE through `hotline/client`'s
 * `connect()`, authorized by a publisher JWT sent as a header — the one the operator pastes, else, on a
 * `--dev` hub opened from its own machine, one the hub hands out at `POST /dashboard/session`), a uPlot chart
 * of events/s and deliveries/s, the recent updates, and a publish form.
 * @module
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import { readErrorBody } from '../../src/client/error-body.js';
import { connect, type EventStreamConnection, HttpError } from '../../src/client/index.js';
import { byId, el } from './feed.js';

/** Mirrors `StatsSnapshot` and `UpdateSummary` of src/hub/dashboard/admin-stream.ts. */
interface Stats {
  subscribers: number;
  selectors: { selector: string; subscribers: number }[];
  published: number;
  deliveries: number;
  eventsPerSecond: number;
  deliveriesPerSecond: number;
  at: number;
}
interface UpdateSummary {
  id: string;
  topic: string;
  topics: number;
  type: string | null;
  private: boolean;
  bytes: number;
  publishedAt: number;
}

const TOKEN_KEY = 'hotline-publisher-token';
/** Two minutes of stats at the default one per second. */
const CHART_POINTS = 120;
const MAX_RECENT = 50;
/** 24-hour `09:58:00`: short enough for three ticks on a phone, where `09:58:00 AM` ran off the edge. */
const TIME_FORMAT: Intl.DateTimeFormatOptions = {
  hour: '2-digit',
  minute: '2-digit',
  second: '2-digit',
  hour12: false,
};

let stream: EventStreamConnection | undefined;
let chart: uPlot | undefined;
const series: [number[], number[], number[]] = [[], [], []];
/** The token of the automatic sign-in (`--dev`, this machine); a pasted token wins over it. */
let automatic: string | undefined;

function pasted(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function token(): string {
  return pasted() || (automatic ?? '');
}

/**
 * Asks the hub for a token; true when it gave one. A hub without `--dev`, or a page not opened from the
 * hub's machine, answers 403 and the page asks for a token to paste.
 */
async function signInAutomatically(): Promise<boolean> {
  try {
    const response = await fetch('/dashboard/session', { method: 'POST', cache: 'no-store' });
    if (!response.ok) return false;
    const session = (await response.json()) as { token?: unknown };
    if (typeof session.token !== 'string') return false;
    automatic = session.token;
    return true;
  } catch {
    return false;
  }
}

type State = 'signed-out' | 'connecting' | 'open' | 'refused' | 'reconnecting' | 'failed';

function setStatus(state: State, text: string): void {
  const status = byId('connection');
  if (status.dataset.state === state && status.textContent === text) return;
  status.dataset.state = state;
  status.textContent = text;
}

/** What went wrong with the stream, next to the token field (where the operator acts); `''` hides it. */
function setProblem(text: string): void {
  const problem = byId('stream-problem');
  problem.textContent = text;
  problem.hidden = text === '';
}

/** The hub's own words for a refusal where it gave them, else what the client saw ("the stream ended"). */
function describe(error: unknown): string {
  if (error instanceof HttpError) return error.reason?.message ?? `the hub answered ${error.status}`;
  return error instanceof Error ? error.message : String(error);
}

/**
 * (Re)opens the admin stream with the token in an `Authorization` header — never in the URL, which
 * proxies and access logs record. Network errors and 5xx are retried with backoff by `connect()`; a
 * refused token (401/403) or any other final answer stops the stream until the operator connects again.
 */
function connectStream(): void {
  stream?.close();
  stream = undefined;
  setProblem('');
  const current = token();
  byId('app').hidden = current === '';
  if (current === '') {
    setStatus('signed-out', 'Paste a publisher JWT to connect');
    return;
  }
  setStatus('connecting', 'Connecting…');
  const viaSignIn = pasted() === '';
  byId('signed-in').hidden = !viaSignIn;
  const connection = connect(new URL('/dashboard/stream', location.href), {
    // A function, so a reconnection after the automatic token was renewed sends the new one. (`connect()`
    // accepts JSON after the event stream, so a refusal comes with the hub's reason.)
    headers: () => ({ Authorization: `Bearer ${token()}` }),
    // The automatic token lasts an hour: `connect()` asks for a new one before it expires.
    ...(viaSignIn
      ? {
          refreshAuth: async () => {
            if (!(await signInAutomatically())) throw new Error('the hub no longer signs this page in');
          },
        }
      : {}),
    // The stream sends `stats` as soon as it opens, so the first event is the moment it is live.
    onEvent(event) {
      setStatus('open', 'Live');
      setProblem('');
      if (event.type === 'stats') showStats(JSON.parse(event.data) as Stats);
      else if (event.type === 'updates') showUpdates(JSON.parse(event.data) as UpdateSummary[]);
    },
    onRetry(error, delayMs) {
      setStatus('reconnecting', 'Reconnecting…');
      setProblem(`Connection lost: ${describe(error)}. Retrying in ${Math.ceil(delayMs / 1000)} s.`);
    },
  });
  stream = connection;
  connection.done.then(
    () => {
      if (stream !== connection) return;
      setStatus('failed', 'Stopped');
      setProblem('The hub ended the stream. Press Connect to open it again.');
    },
    (error: unknown) => {
      if (stream !== connection) return;
      const refused = error instanceof HttpError && (error.status === 401 || error.status === 403);
      setStatus(refused ? 'refused' : 'failed', refused ? 'Token refused' : 'Stopped');
      const action = refused ? 'Paste a valid token and press Connect.' : 'Press Connect to try again.';
      setProblem(`${refused ? 'The hub refused the token' : 'The stream stopped'}: ${describe(error)}. ${action}`);
    },
  );
}

function showStats(stats: Stats): void {
  byId('subscribers').textContent = String(stats.subscribers);
  byId('published').textContent = String(stats.published);
  byId('deliveries').textContent = String(stats.deliveries);
  byId('events-rate').textContent = stats.eventsPerSecond.toFixed(1);
  byId('deliveries-rate').textContent = stats.deliveriesPerSecond.toFixed(1);
  const rows = stats.selectors.map((s) =>
    el('tr', {}, el('td', {}, el('code', {}, s.selector)), el('td', { class: 'num' }, String(s.subscribers))),
  );
  if (rows.length === 0) rows.push(el('tr', {}, el('td', { colspan: '2' }, 'No subscribers yet')));
  byId('selectors-body').replaceChildren(...rows);
  series[0].push(stats.at / 1000);
  series[1].push(stats.eventsPerSecond);
  series[2].push(stats.deliveriesPerSecond);
  for (const values of series) if (values.length > CHART_POINTS) values.shift();
  chart?.setData(series);
}

function showUpdates(updates: UpdateSummary[]): void {
  const body = byId('recent-body');
  for (const update of updates) {
    const time = new Date(update.publishedAt);
    const topic = update.topics > 1 ? `${update.topic} (+${update.topics - 1})` : update.topic;
    body.prepend(
      el(
        'tr',
        { 'data-id': update.id },
        el('td', {}, el('time', { datetime: time.toISOString() }, time.toLocaleTimeString([], TIME_FORMAT))),
        el('td', {}, el('code', {}, topic)),
        el('td', {}, update.type ?? '—'),
        el('td', { class: 'id' }, update.id),
        el('td', { class: 'num' }, `${update.bytes} B`),
        el('td', {}, update.private ? 'private' : 'public'),
      ),
    );
  }
  while (body.children.length > MAX_RECENT) body.lastElementChild?.remove();
}

function makeChart(): void {
  const container = byId('chart');
  const width = () => Math.max(240, container.clientWidth);
  chart = new uPlot(
    {
      width: width(),
      height: 220,
      series: [
        {},
        { label: 'events/s', stroke: '#1d4ed8', width: 2 },
        { label: 'deliveries/s', stroke: '#b45309', width: 2, dash: [6, 3] },
      ],
      // The numbers above show the current values; a legend without a cursor would only read `--`.
      legend: { live: false },
      // A fixed two-minute window ending now, ticked in whole seconds: in the first minute uPlot would
      // otherwise zoom into the few points there are and label half-seconds (`:27.500`).
      scales: { x: { time: true, range: (_u, _min, max) => [max - CHART_POINTS, max] } },
      axes: [
        {
          space: 70,
          incrs: [10, 15, 30, 60],
          values: (_u, splits) => splits.map((s) => new Date(s * 1000).toLocaleTimeString([], TIME_FORMAT)),
        },
        { label: 'per second' },
      ],
    },
    series,
    container,
  );
  new ResizeObserver(() => chart?.setSize({ width: width(), height: 220 })).observe(container);
}

async function publish(event: SubmitEvent): Promise<void> {
  event.preventDefault();
  const form = event.target as HTMLFormElement;
  const fields = new FormData(form);
  const body = new URLSearchParams();
  body.set('topic', String(fields.get('topic') ?? ''));
  body.set('data', String(fields.get('data') ?? ''));
  const type = String(fields.get('type') ?? '');
  if (type !== '') body.set('type', type);
  if (fields.get('private') !== null) body.set('private', 'on');
  const result = byId('publish-result');
  result.textContent = 'Publishing…';
  try {
    const response = await fetch('/.well-known/mercure', {
      method: 'POST',
      headers: { Authorization: `Bearer ${token()}`, 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
    if (response.ok) result.textContent = `Published ${await response.text()}`;
    else {
      const reason = (await readErrorBody(response))?.message ?? response.statusText;
      result.textContent = `Refused (${response.status}): ${reason}`;
    }
    result.dataset.ok = String(response.ok);
  } catch (error) {
    result.textContent = `Failed: ${String(error)}`;
    result.dataset.ok = 'false';
  }
}

async function main(): Promise<void> {
  const tokenForm = byId<HTMLFormElement>('token-form');
  const input = byId<HTMLInputElement>('token');
  input.value = token();
  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    connectStream();
  });
  byId('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    input.value = '';
    connectStream();
  });
  byId<HTMLFormElement>('publish-form').addEventListener('submit', (event) => void publish(event));
  makeChart();
  if (pasted() === '') await signInAutomatically();
  byId('app').hidden = token() === '';
  connectStream();
}

void main();
