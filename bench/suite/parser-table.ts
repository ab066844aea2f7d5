/**
 * The parser benchmark (`npm run bench:parser`, `bench/results/parser*.json`) as a section of
 * BENCHMARKS.md: each corpus's ratio to eventsource-parser in every run given, the median and the lowest,
 * judged against issue N's target (never slower, ≥ 2× at the median).
 * @module
 */

interface ParserRow {
  corpus: string;
  ratio: number;
  spread: [number, number];
}

/** One `bench/results/parser*.json`. */
export interface ParserRun {
  path: string;
  results: { date: string; node: string; peer: string; rows: ParserRow[] };
}

/** The median of `values` (the mean of the middle two for an even count). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length / 2;
  return sorted.length % 2 === 1 ? sorted[Math.floor(mid)]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function parserSection(runs: readonly ParserRun[]): string[] {
  if (runs.length === 0) return [];
  const corpora = runs[0]!.results.rows.map((row) => row.corpus);
  const ratioIn = (run: ParserRun, corpus: string): ParserRow | undefined =>
    run.results.rows.find((row) => row.corpus === corpus);
  const header = `| corpus | ${runs.map((_, i) => `run ${i + 1}: ratio (rounds)`).join(' | ')} |`;
  const rows = corpora.map((corpus) => {
    const cells = runs.map((run) => {
      const row = ratioIn(run, corpus);
      return row === undefined
        ? '–'
        : `${row.ratio.toFixed(2)}× (${row.spread[0].toFixed(2)}–${row.spread[1].toFixed(2)})`;
    });
    return `| ${corpus} | ${cells.join(' | ')} |`;
  });
  const summary = (pick: (ratios: number[]) => number): string =>
    runs.map((run) => `${pick(run.results.rows.map((row) => row.ratio)).toFixed(2)}×`).join(' | ');
  const medians = runs.map((run) => median(run.results.rows.map((row) => row.ratio)));
  const lowest = runs.map((run) => Math.min(...run.results.rows.map((row) => row.ratio)));
  const met = medians.every((m) => m >= 2) && lowest.every((l) => l >= 1);
  return [
    '## Parser (issue N item 5)',
    '',
    `\`npm run bench:parser\`: Hotline's streaming parser against ${runs[0]!.results.peer} (fed through its own ` +
      `streaming \`TextDecoder\`), same bytes, same process, alternating rounds, CPU time; ratio = Hotline's ` +
      `events/s ÷ the peer's, median of the rounds (lowest–highest round). Runs: ${runs
        .map((run, i) => `${i + 1} [\`${run.path}\`](${run.path}) (${run.results.date.slice(0, 16)}Z)`)
        .join(', ')}.`,
    '',
    header,
    `| --- | ${runs.map(() => '---:').join(' | ')} |`,
    ...rows,
    `| **median** | ${summary(median)} |`,
    `| **lowest** | ${summary((ratios) => Math.min(...ratios))} |`,
    '',
    `Target (never slower on any corpus, ≥ 2× at the median): ${met ? '**met**' : '**missed**'} — see "Parser" ` +
      'below for the designs measured.',
    '',
  ];
}
