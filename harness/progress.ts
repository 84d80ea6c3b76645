/**
 * Progress display: subscribes to a run's events (`harness/run/run-events.ts`) and writes to a stream (stderr by default).
 * On a TTY the current phase updates in place once a second; otherwise one line per phase and row.
 *
 * @module
 */

import { type LoadModelDef, loadModelOf } from './load/models/index.ts';
import { int, msFromUs } from './report/format.ts';
import type { RunEmitter } from './run/run-events.ts';
import { measuredSeconds } from './scenario/scenario-schema.ts';

/** Attaches a progress display to `run`. */
export function attachProgress(run: RunEmitter, stream: NodeJS.WriteStream = process.stderr): void {
  const tty = stream.isTTY === true;
  let live = false;
  const clearLive = (): void => {
    if (live) stream.write('\r\x1b[K');
    live = false;
  };
  const line = (text: string): void => {
    clearLive();
    stream.write(text + '\n');
  };
  let rowLabel = '';
  let model: LoadModelDef = loadModelOf('closed');
  run.on('scenario-start', ({ scenario, index, total, repeat }) => {
    model = loadModelOf(scenario.load.model);
    const rows = scenario.clients.length * repeat;
    const perRow = scenario.load.warmupS + measuredSeconds(scenario);
    line(
      `scenario ${scenario.name} (${index + 1}/${total}): ${rows} rows × ${perRow} s ≈ ${Math.ceil((rows * (perRow + 2)) / 60)} min`,
    );
  });
  run.on('row-start', ({ client, index, total }) => {
    rowLabel = `[${index + 1}/${total}] ${client}`;
  });
  run.on('phase', ({ phase, durationS, connections, shape }) => {
    if (phase === 'quiesce')
      line(`  ${rowLabel}: quiesce ${durationS} s (load stopped; the leak verdict judges what is left)`);
    else if (!tty) line(`  ${rowLabel}: ${phase} ${durationS} s, ${shape ?? `${connections} connections`}`);
  });
  run.on('tick', ({ phase, elapsedS, responses }) => {
    if (!tty) return;
    stream.write(`\r\x1b[K  ${rowLabel}: ${phase} ${elapsedS} s, ${int(responses)} answers/s`);
    live = true;
  });
  run.on('row-done', ({ row }) => {
    line(
      `  ${rowLabel}: ${int(row.rps)} RPS, p99 ${msFromUs(row.latencyUs.p99)} ms${model.progressSuffix(row)}, errors ${int(row.errors.total)}` +
        (row.leak ? `, peak in flight ${int(row.inFlightPeak ?? 0)}, verdict ${row.leak.verdict}` : '') +
        (row.staleness
          ? `, propagation p99 ${msFromUs(row.staleness.propagationUs.p99)} ms, stale reads ${(row.staleness.staleShare * 100).toFixed(2)}%`
          : '') +
        (row.recovery
          ? `, ${row.recovery.recovered ? `fresh ${((row.recovery.recoveryMs ?? 0) / 1000).toFixed(2)} s after the post-restart write` : 'never served the post-restart value'}`
          : '') +
        (row.flags.length ? ` [${row.flags.join(', ')}]` : ''),
    );
  });
  run.on('fault', ({ action, fault }) =>
    line(
      fault.startsWith('consul-restart')
        ? `  ${rowLabel}: ${action === 'start' ? `Consul stopped: ${fault}` : 'Consul back'}`
        : `  ${rowLabel}: ${fault} fault ${action === 'start' ? 'started' : 'ended'}`,
    ),
  );
  run.on('row-failed', ({ client, error }) => line(`  ${rowLabel || client}: failed: ${error.message}`));
  run.on('notice', (text) => line(`  note: ${text}`));
}
