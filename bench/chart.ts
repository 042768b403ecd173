/**
 * Draws `make bench`'s chart from its results: the detection-delay distribution of every lock
 * (box plots, log scale) and throughput, against concurrency, for the Seam SDK's own wait,
 * lockstep polling, its baseline without door ordering (unordered) and lockstep push. Vega-Lite
 * renders it to SVG here, with no browser.
 *
 *   npx tsx bench/chart.ts [bench/results/latest.json]   # redraws latest.svg beside it
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parse, View } from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';

/** What the chart needs of one run (bench/lock-latency.ts writes more). */
export interface ChartRun {
  mode: string;
  concurrency: number;
  throughput_locks_per_s: number;
  detection_delays_ms: number[];
}

export interface ChartInput {
  generated_at: string;
  machine: { cores: number };
  runs: ChartRun[];
}

/** The modes drawn, in the legend's order, with their colours. */
const modes = {
  sdk: '#7f7f7f',
  unordered: '#9edae5',
  polling: '#1f77b4',
  update: '#2ca02c',
  push: '#d62728',
} as const;

export function chartSpec(input: ChartInput): TopLevelSpec {
  const runs = input.runs.filter((r) => r.mode in modes);
  const delays = runs.flatMap((r) =>
    // A log axis has no 0: a delay under 1 ms is drawn at 1 ms.
    r.detection_delays_ms.map((ms) => ({ mode: r.mode, concurrency: r.concurrency, delay: Math.max(1, ms) })),
  );
  const throughput = runs.map((r) => ({
    mode: r.mode,
    concurrency: r.concurrency,
    throughput: r.throughput_locks_per_s,
  }));
  const color = {
    field: 'mode',
    type: 'nominal',
    title: 'mode',
    scale: { domain: Object.keys(modes), range: Object.values(modes) },
  } as const;
  const concurrency = { field: 'concurrency', type: 'ordinal', title: 'concurrency', axis: { labelAngle: 0 } } as const;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: {
      text: 'make bench: Seam SDK wait vs lockstep polling (and without door ordering) vs lockstep push',
      subtitle: `${input.generated_at.slice(0, 10)}, ${input.machine.cores} cores, dev server in memory, attempts ending 1.5–4.5 s after the command`,
    },
    config: { font: 'sans-serif' },
    hconcat: [
      {
        title: 'detection delay per lock (outcome held minus attempt ended)',
        width: 420,
        height: 300,
        data: { values: delays },
        mark: { type: 'boxplot', extent: 'min-max', size: 14 },
        encoding: {
          x: concurrency,
          xOffset: { field: 'mode', type: 'nominal', scale: { domain: Object.keys(modes) } },
          y: { field: 'delay', type: 'quantitative', title: 'ms (log scale)', scale: { type: 'log' } },
          color,
        },
      },
      {
        title: 'throughput',
        width: 300,
        height: 300,
        data: { values: throughput },
        mark: { type: 'line', point: true },
        encoding: {
          x: concurrency,
          y: {
            field: 'throughput',
            type: 'quantitative',
            title: 'locks per second (log scale)',
            scale: { type: 'log' },
          },
          color,
        },
      },
    ],
  };
}

/** Renders the chart of `input` to SVG text. */
export async function chartSvg(input: ChartInput): Promise<string> {
  const view = new View(parse(compile(chartSpec(input)).spec), { renderer: 'none' });
  return view.toSVG();
}

/** Draws `latest.svg` beside the results file; returns its path. */
export async function drawChart(resultsPath: string): Promise<string> {
  const input = JSON.parse(readFileSync(resultsPath, 'utf8')) as ChartInput;
  const svgPath = join(dirname(resultsPath), 'latest.svg');
  writeFileSync(svgPath, await chartSvg(input));
  return svgPath;
}

if (require.main === module) {
  drawChart(resolve(process.argv[2] ?? join(__dirname, 'results', 'latest.json'))).then(
    (path) => console.log(`drew ${path}`),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
