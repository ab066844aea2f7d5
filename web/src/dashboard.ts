/**
 * The dashboard page: live numbers of the hub from its admin stream (SSE, authorized by the publisher JWT
 * the operator pastes), a uPlot chart of events/s and deliveries/s, the recent updates, and a publish form.
 * @module
 */
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
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
const CHART_POINTS = 120;
const MAX_RECENT = 50;

let source: EventSource | undefined;
let chart: uPlot | undefined;
const series: [number[], number[], number[]] = [[], [], []];

function token(): string {
  return sessionStorage.getItem(TOKEN_KEY) ?? '';
}

function setStatus(state: 'signed-out' | 'connecting' | 'open' | 'refused' | 'reconnecting', text: string): void {
  const status = byId('connection');
  status.dataset.state = state;
  status.textContent = text;
}

function connect(): void {
  source?.close();
  const current = token();
  byId('app').hidden = current === '';
  if (current === '') {
    setStatus('signed-out', 'Paste a publisher JWT to connect');
    return;
  }
  setStatus('connecting', 'Connecting…');
  const url = new URL('/dashboard/stream', location.href);
  url.searchParams.set('authorization', current);
  const stream = new EventSource(url);
  source = stream;
  stream.onopen = () => setStatus('open', 'Live');
  stream.onerror = () => {
    if (stream.readyState === EventSource.CLOSED) {
      // A refused token (401) or a hub that is down: try again in a while, the token may still be good.
      setStatus('refused', 'Disconnected: the token was refused or the hub is down; retrying…');
      window.setTimeout(() => {
        if (source === stream) connect();
      }, 3000);
    } else {
      setStatus('reconnecting', 'Reconnecting…');
    }
  };
  stream.addEventListener('stats', (event) => showStats(JSON.parse(event.data) as Stats));
  stream.addEventListener('updates', (event) => showUpdates(JSON.parse(event.data) as UpdateSummary[]));
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
        el('td', {}, el('time', { datetime: time.toISOString() }, time.toLocaleTimeString())),
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
      axes: [{}, { label: 'per second' }],
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
    const text = await response.text();
    result.textContent = response.ok ? `Published ${text}` : `Refused (${response.status}): ${text}`;
    result.dataset.ok = String(response.ok);
  } catch (error) {
    result.textContent = `Failed: ${String(error)}`;
    result.dataset.ok = 'false';
  }
}

function main(): void {
  const tokenForm = byId<HTMLFormElement>('token-form');
  const input = byId<HTMLInputElement>('token');
  input.value = token();
  tokenForm.addEventListener('submit', (event) => {
    event.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, input.value.trim());
    connect();
  });
  byId('sign-out').addEventListener('click', () => {
    sessionStorage.removeItem(TOKEN_KEY);
    input.value = '';
    connect();
  });
  byId<HTMLFormElement>('publish-form').addEventListener('submit', (event) => void publish(event));
  byId('app').hidden = token() === '';
  makeChart();
  connect();
}

main();
