/**
 * Tables of a fault scenario's rows for the docs, each with how it was measured (load model and rate or
 * connections, phases, runs, machine, versions, date, command) stated above it: the leak verdicts (each row's
 * verdict on every run, its peaks during the fault and what the quiesce left; docs/LEAK-DIAGNOSIS.md) and the
 * latency per phase (docs/LOAD-MODELS.md). Rendered by `npm run docs` (`doc-blocks.ts`) from committed reports;
 * measures nothing.
 *
 * @module
 */
import { markdownTable } from 'markdown-table';
import { describeOrphans } from '../diagnosis/leak-verdict.ts';
import { loadModelOf } from '../load/models/index.ts';
import type { LoadSettings } from '../load/models/load-model.ts';
import { runsOf } from '../results/merge.ts';
import { phaseLatencySection } from './leak-report.ts';
import type { Report, ScenarioResult } from './report-schema.ts';

/** The fault scenario `scenario` of `report`, or an error naming the scenarios it has. */
function faultScenario(report: Report, source: string, scenario: string): ScenarioResult {
  const s = report.scenarios.find((x) => x.name === scenario);
  if (!s)
    throw new Error(
      `${source} has no scenario ${scenario}: use one of ${report.scenarios.map((x) => x.name).join(', ')}`,
    );
  if (!(s.settings as { phases?: unknown }).phases)
    throw new Error(`${source}: scenario ${scenario} has no phases, so no leak verdicts`);
  return s;
}

/** The sentence saying where a table's figures come from and how they were measured. */
function measuredHow(report: Report, s: ScenarioResult, source: string, link: string): string {
  const settings = s.settings as {
    load?: LoadSettings;
    phases: { baselineS: number; faultS: number; drainS: number; quiesceS?: number };
    fault?: { type?: string };
  };
  const p = settings.phases;
  const pace = settings.load ? loadModelOf(s.loadModel).describe(settings.load) : loadModelOf(s.loadModel).title;
  const runs = s.repeat ?? 1;
  const env = report.environment;
  return (
    `From [\`${source}\`](${link}) (\`${report.command}\`, ${report.createdAt.slice(0, 16).replace('T', ' ')} UTC): ` +
    `${pace}; ${p.baselineS} s baseline, ${p.faultS} s ${settings.fault?.type ?? 'fault'}, ${p.drainS} s drain, ` +
    `${p.quiesceS === undefined ? '' : `${p.quiesceS} s quiesce; `}${runs} run${runs === 1 ? '' : 's'} a row, interleaved; ` +
    `${env.cpuModel.split(' ').slice(0, 2).join(' ')}, ${env.cpuCount} CPUs; Node ${env.node}; Consul ${env.consul.version}.`
  );
}

/**
 * The latency-per-phase table of `scenario` in `report` (as report.md has it), under the sentence saying how it was
 * measured.
 * @param link the report as a link from the markdown file the table goes in. Default `source`.
 * @throws {Error} when the report has no such scenario, or the scenario has no phases.
 */
export function phasesTable(report: Report, source: string, scenario: string, link = source): string {
  const s = faultScenario(report, source, scenario);
  const [, , note, , ...table] = phaseLatencySection(s.results);
  return [`${measuredHow(report, s, source, link)} ${note}`, '', ...table].join('\n').trimEnd();
}

const MIB = 1024 * 1024;

/** Growth of the memory retained after full GCs, with the idle figure it grew from, MiB (`+0.51 (21.7)`). */
function retainedText(h: { idle: number; after: number }): string {
  const growth = (h.after - h.idle) / MIB;
  return `${growth >= 0 ? '+' : '−'}${Math.abs(growth).toFixed(2)} (${(h.idle / MIB).toFixed(1)})`;
}

/**
 * The verdicts table of `scenario` in `report`.
 * @param source the report's path, as the table names it.
 * @param link the report as a link from the markdown file the table goes in. Default `source`.
 * @throws {Error} when the report has no such scenario, or the scenario has no phases (no fault, no verdict).
 */
export function verdictsTable(report: Report, source: string, scenario: string, link = source): string {
  const s = faultScenario(report, source, scenario);
  const runs = s.repeat ?? 1;
  const rows = s.results.map((r) => {
    const faultSamples = (r.timeline ?? []).filter((x) => x.phase === 'fault');
    const peakPending = Math.max(0, ...faultSamples.map((x) => x.pending ?? 0));
    const orphans = r.leak?.evidence.orphans;
    return [
      `\`${r.client}\``,
      runsOf(r)
        .map((run) => run.leak ?? '–')
        .join(', '),
      `${peakPending} / ${r.leak?.evidence.inFlight?.faultPeak ?? '–'}`,
      orphans?.consulReadsPerS
        ? `${orphans.consulReadsPerS.idle.toFixed(1)} → ${orphans.consulReadsPerS.quiesce.toFixed(1)}`
        : '–',
      orphans?.retainedHeapBytes ? retainedText(orphans.retainedHeapBytes) : '–',
      orphans ? describeOrphans(orphans) : '–',
    ];
  });
  return [
    `${measuredHow(report, s, source, link)} ` + 'Peaks and what was left are of the run whose figures the row shows.',
    '',
    markdownTable(
      [
        [
          'client',
          `verdicts (${runs} run${runs === 1 ? '' : 's'})`,
          'peak pending / in flight during the fault',
          "Consul's reads/s: idle → quiesce",
          'memory retained after full GCs: growth (of idle), MiB',
          'left after the quiesce',
        ],
        ...rows,
      ],
      { align: ['l', 'l', 'r', 'r', 'r', 'l'] },
    ),
  ].join('\n');
}
