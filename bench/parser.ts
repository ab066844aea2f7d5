/**
 * `npm run bench:parser` — our parser against eventsource-parser on the same corpora in the same process.
 * Both are fed the same UTF-8 bytes; eventsource-parser takes text, so it gets a streaming TextDecoder in
 * front of it, exactly as its README tells users to do. Prints a table and writes bench/results/parser.json.
 */
import { writeFileSync } from 'node:fs';
import { createParser as createPeerParser } from 'eventsource-parser';
import { formatEvent } from '../src/protocol/encode.js';
import { createParser } from '../src/protocol/parse.js';
import { median } from './suite/parser-table.js';

interface Corpus {
  name: string;
  chunks: Uint8Array[];
  events: number;
  bytes: number;
}

const encoder = new TextEncoder();

function chunked(text: string, size: number): Uint8Array[] {
  const bytes = encoder.encode(text);
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < bytes.length; i += size) chunks.push(bytes.subarray(i, i + size));
  return chunks;
}

function corpus(name: string, frames: string[], chunkSize: number): Corpus {
  const text = frames.join('');
  const chunks = chunked(text, chunkSize);
  return { name, chunks, events: frames.length, bytes: chunks.reduce((n, c) => n + c.length, 0) };
}

function smallJson(count: number): string[] {
  const symbols = ['ACME', 'GLOBX', 'INITECH', 'UMBRL'];
  return Array.from({ length: count }, (_, i) =>
    formatEvent({
      id: String(i),
      event: 'price',
      data: { s: symbols[i % 4], p: 100 + (i % 97) / 7, t: 1_764_000_000_000 + i, v: i * 13 },
    }),
  );
}

function largeMultiline(count: number): string[] {
  const line = `${'lorem ipsum dolor sit amet '.repeat(3).slice(0, 79)}`;
  const body = Array.from({ length: 820 }, (_, i) => `${i}:${line}`).join('\n'); // ≈ 64 KB
  return Array.from({ length: count }, (_, i) => formatEvent({ id: String(i), data: body }));
}

/** News-like events: several `data:` lines of mixed-script text (accents, CJK, emoji), ~600 B each. */
function multilineNonAscii(count: number): string[] {
  const lines = [
    'Zürich — Börse schließt fester; Anleger honorieren Quartalszahlen',
    '東京株式市場は続伸、半導体関連株が相場を押し上げた',
    'Résumé : la séance s’achève en hausse, portée par l’énergie ⚡',
    'Москва: индекс вырос на 1,2 % на фоне роста цен на нефть',
    'São Paulo fecha em alta 📈 com avanço de commodities',
  ];
  return Array.from({ length: count }, (_, i) =>
    formatEvent({ id: String(i), event: 'headline', data: lines.slice(0, 3 + (i % 3)).join('\n') }),
  );
}

/** One JSON document per event, ~8 KB, on one line. */
function largeJson(count: number): string[] {
  const rows = Array.from({ length: 90 }, (_, i) => ({ id: i, name: `item-${i}`, price: i * 1.25, tags: ['a', 'b'] }));
  return Array.from({ length: count }, (_, i) =>
    formatEvent({ id: String(i), event: 'snapshot', data: { seq: i, rows } }),
  );
}

/** The same frames with every line end written as `ending` (the spec allows CRLF, LF and CR alike). */
function withLineEnds(frames: string[], ending: string): string[] {
  const converted = frames.map((frame) => frame.replaceAll('\n', ending));
  // A stream's final CR may yet be the first half of a CRLF: eventsource-parser waits for the next byte
  // before it ends that line, so the last frame gets a LF (one CRLF) and both parsers see every event.
  if (ending === '\r') converted.push(`${converted.pop()}\n`);
  return converted;
}

const corpora: Corpus[] = [
  corpus('small JSON events (~100 B), 16 KiB chunks', smallJson(200_000), 16 * 1024),
  corpus('small JSON events, one event per chunk', smallJson(100_000), 100),
  corpus('small JSON events, one 8 MB buffer', smallJson(80_000), 16 * 1024 * 1024),
  corpus('small JSON events, CRLF line ends', withLineEnds(smallJson(200_000), '\r\n'), 16 * 1024),
  corpus('small JSON events, CR line ends', withLineEnds(smallJson(200_000), '\r'), 16 * 1024),
  corpus('multi-line non-ASCII text (~600 B), 16 KiB chunks', multilineNonAscii(50_000), 16 * 1024),
  corpus('multi-line non-ASCII text, CRLF, 1 KiB chunks', withLineEnds(multilineNonAscii(50_000), '\r\n'), 1024),
  corpus('large JSON events (~8 KB), 16 KiB chunks', largeJson(5_000), 16 * 1024),
  corpus('large multi-line events (~64 KB), 16 KiB chunks', largeMultiline(150), 16 * 1024),
  corpus('many tiny chunks (7 B), small JSON', smallJson(20_000), 7),
  corpus('byte-at-a-time feed (small JSON)', smallJson(2_000), 1),
];

type Runner = (c: Corpus) => number;

const hotline: Runner = (c) => {
  let n = 0;
  const parser = createParser({ onEvent: () => void n++ });
  for (const chunk of c.chunks) parser.feed(chunk);
  return n;
};

const peer: Runner = (c) => {
  let n = 0;
  const decoder = new TextDecoder();
  const parser = createPeerParser({ onEvent: () => void n++ });
  for (const chunk of c.chunks) parser.feed(decoder.decode(chunk, { stream: true }));
  return n;
};

interface Rate {
  eventsPerSec: number;
  mbPerSec: number;
}

/**
 * Rates per second of this process's CPU time, not of wall time: on a shared machine the process is off the
 * CPU for long stretches (5× its CPU time under a load of 10 on 2 cores, measured), which wall time charges
 * to whichever parser happened to run then. `BENCH_CLOCK=wall` measures wall time instead.
 */
const cpuClock = process.env.BENCH_CLOCK !== 'wall';
function clockMs(): number {
  if (!cpuClock) return performance.now();
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

function measure(run: Runner, c: Corpus, budgetMs: number): Rate {
  if (run(c) !== c.events) throw new Error(`parser lost events on ${c.name}`);
  const start = clockMs();
  let rounds = 0;
  while (clockMs() - start < budgetMs || rounds < 3) {
    run(c);
    rounds++;
  }
  const seconds = (clockMs() - start) / 1000;
  return { eventsPerSec: (c.events * rounds) / seconds, mbPerSec: (c.bytes * rounds) / seconds / 1e6 };
}

const budgetMs = Number(process.env.BENCH_MS ?? 1500);
const rows = [];
// `BENCH_ONLY=<text>` runs the corpora whose name contains it (when profiling one case).
const only = process.env.BENCH_ONLY;
for (const c of corpora.filter((corpus) => only === undefined || corpus.name.includes(only))) {
  // Alternate the two, three times each, and keep each one's best: a noisy neighbour hurts both alike.
  const ours: Rate[] = [];
  const theirs: Rate[] = [];
  for (let i = 0; i < 3; i++) {
    ours.push(measure(hotline, c, budgetMs / 3));
    theirs.push(measure(peer, c, budgetMs / 3));
  }
  const best = (xs: Rate[]) => xs.reduce((a, b) => (b.eventsPerSec > a.eventsPerSec ? b : a));
  const o = best(ours);
  const t = best(theirs);
  // Each round's own ratio (the two measured back to back): their spread shows how noisy the machine was.
  const roundRatios = ours.map((x, i) => x.eventsPerSec / theirs[i]!.eventsPerSec);
  rows.push({
    corpus: c.name,
    hotline: o,
    eventsourceParser: t,
    ratio: o.eventsPerSec / t.eventsPerSec,
    spread: [Math.min(...roundRatios), Math.max(...roundRatios)],
  });
}

const fmt = (n: number) =>
  n >= 1e6 ? `${(n / 1e6).toFixed(2)} M` : n >= 1e3 ? `${(n / 1e3).toFixed(1)} k` : n.toFixed(0);
const table = [
  '| corpus | hotline events/s | hotline MB/s | eventsource-parser events/s | eventsource-parser MB/s | ratio | rounds |',
  '|---|---:|---:|---:|---:|---:|---:|',
  ...rows.map(
    (r) =>
      `| ${r.corpus} | ${fmt(r.hotline.eventsPerSec)} | ${r.hotline.mbPerSec.toFixed(1)} | ${fmt(r.eventsourceParser.eventsPerSec)} | ${r.eventsourceParser.mbPerSec.toFixed(1)} | ${r.ratio.toFixed(2)}× | ${r.spread[0]!.toFixed(2)}–${r.spread[1]!.toFixed(2)} |`,
  ),
];
const ratios = rows.map((r) => r.ratio);
const lowest = ratios.length === 0 ? Number.NaN : Math.min(...ratios);
table.push('', `median ratio ${median(ratios).toFixed(2)}×, lowest ${lowest.toFixed(2)}×`);
console.log(table.join('\n'));
const peerVersion = (
  await import('eventsource-parser/package.json', { with: { type: 'json' } }).catch(() => ({
    default: { version: '?' },
  }))
).default.version;
writeFileSync(
  new URL('./results/parser.json', import.meta.url),
  `${JSON.stringify({ date: new Date().toISOString(), node: process.version, peer: `eventsource-parser@${peerVersion}`, rows }, null, 2)}\n`,
);
