/**
 * What a run tells its listeners (progress display, report writer), and the rows it runs. The runner emits;
 * nothing in `harness/run/` prints (docs/STYLE.md, rule 8).
 *
 * @module
 */
import type { EventEmitter } from 'node:events';
import type { BenchError } from '../errors.ts';
import type { LoadTick } from '../load/load-runner.ts';
import type { Report, ResultRow } from '../report/report-schema.ts';
import type { Scenario } from '../scenario/scenario-schema.ts';

/** Events of a run, for progress displays and report writers. */
export interface BenchRunEvents {
  'scenario-start': [{ scenario: Scenario; index: number; total: number; repeat: number }];
  'row-start': [{ scenario: string; client: string; index: number; total: number }];
  /** A phase of a row began: the warm-up, the measured load, or the quiesce after it (no load; `connections` 0). */
  phase: [
    {
      scenario: string;
      client: string;
      phase: 'warm-up' | 'measure' | 'quiesce';
      durationS: number;
      connections: number;
      /** The load's shape as its model describes it (`500 connections`, `open model 200 req/s, at most 1 000 in flight`). */
      shape?: string;
    },
  ];
  /** A fault started or ended (fault scenarios), or Consul was stopped and started again (restart scenarios). */
  fault: [{ scenario: string; client: string; action: 'start' | 'end'; fault: string }];
  tick: [LoadTick & { scenario: string; client: string; phase: 'warm-up' | 'measure' }];
  'row-done': [{ scenario: string; row: ResultRow }];
  'row-failed': [{ scenario: string; client: string; error: BenchError }];
  /** The report changed (a row or failure was added): write it now to keep what was measured. */
  report: [Report];
  notice: [string];
}

/** Where the runner and its row features emit {@link BenchRunEvents}. */
export type RunEmitter = EventEmitter<BenchRunEvents>;

/** One row to run: a registered client or baseline, a variant of one, or a user's module. */
export interface RowSpec {
  /** The row's name in reports. */
  readonly name: string;
  /** The registered client the service runs (the row's name for a user's module). */
  readonly client: string;
  /** Client option overrides of a variant row. */
  readonly options?: Readonly<Record<string, unknown>>;
  readonly kind: 'client' | 'baseline';
  readonly description: string;
  /** Absolute path of a user's module; absent for registered clients. */
  readonly module?: string;
}
