/**
 * One SVG bar chart per scenario (its headline metric, systems side by side per run), rendered headlessly
 * with Vega-Lite → Vega → `view.toSVG()`; no browser and no canvas needed.
 * @module
 */
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { BenchResults } from './results.js';
import type { ScenarioId } from './scenarios.js';
import { SCENARIO_TITLES } from './scenarios.js';
import { HEADLINES } from './tables.js';

/** Fixed colours per system, so every chart reads the same way. */
const COLORS: Record<string, string> = {
  nchan: '#7f7f7f',
  'nchan-w2': '#404040',
  'better-sse': '#e4a11b',
  'hotline-memory': '#1f77b4',
  'hotline-sqlite': '#17becf',
  'hotline-memory-unsliced': '#9467bd',
  'hotline-memory-w2': '#0b3d91',
  'hotline-redis-3n': '#d62728',
};

function specOf(scenario: ScenarioId, results: BenchResults): TopLevelSpec | undefined {
  const headline = HEADLINES[scenario];
  const values = results.runs
    .filter((r) => r.spec.scenario === scenario && r.result !== undefined)
    .map((r) => ({ run: r.spec.label.replace(/^S\d /, ''), system: r.system, value: headline.value(r.result!) ?? 0 }));
  if (values.length === 0) return undefined;
  const systems = [...new Set(values.map((v) => v.system))];
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: {
      text: SCENARIO_TITLES[scenario],
      subtitle: `${headline.header} (${headline.lowerIsBetter ? 'lower' : 'higher'} is better) · ${results.date}`,
    },
    width: { step: 18 },
    height: 260,
    data: { values },
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'run', type: 'nominal', title: null, sort: null, axis: { labelAngle: -30 } },
      xOffset: { field: 'system', sort: systems },
      y: { field: 'value', type: 'quantitative', title: headline.header },
      color: {
        field: 'system',
        sort: systems,
        scale: { domain: systems, range: systems.map((s) => COLORS[s] ?? '#333333') },
        legend: { orient: 'top', title: null },
      },
    },
    config: { font: 'sans-serif', background: 'white' },
  };
}

/** Renders the charts; returns `[scenario, svg]` for each scenario that has results. */
export async function renderCharts(results: BenchResults): Promise<[ScenarioId, string][]> {
  const out: [ScenarioId, string][] = [];
  for (const scenario of Object.keys(SCENARIO_TITLES) as ScenarioId[]) {
    const spec = specOf(scenario, results);
    if (spec === undefined) continue;
    const view = new View(parse(compile(spec).spec), { renderer: 'none' });
    out.push([scenario, await view.toSVG()]);
    view.finalize();
  }
  return out;
}
