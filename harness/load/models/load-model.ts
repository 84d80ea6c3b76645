/**
 * A load model, declared once: its options (validated with the scenario), how it sends (prepared, then started on
 * the row's clock), what it adds to a row (results and flags), and how tables, charts, progress lines and `list`
 * describe it. The runner and the renderers ask the scenario's model (`loadModelOf`) and never branch on its name;
 * adding a model is one file here plus one line in `index.ts` (and its name in the scenario schema's `load.model`).
 *
 * The generator itself is loaded when a row prepares it (a dynamic import), so renderers, `compare` and `gate`
 * that only describe a model load no generator code.
 *
 * @module
 */
import type { LoadEvents, LoadResult } from '../load-runner.ts';

/** A scenario's load settings as the models read them (`load` of the scenario schema). Durations in s. */
export interface LoadSettings {
  readonly model: string;
  readonly connections: number;
  readonly durationS?: number | undefined;
  readonly warmupS: number;
  readonly timeoutS: number;
  readonly openTimeoutS?: number | undefined;
  readonly rate?: number | undefined;
  readonly arrival: 'constant' | 'poisson';
  readonly maxInFlight: number;
  readonly workers: number;
}

/** What every model's load takes: the target, the window and the phases. */
export interface CommonLoadOptions {
  readonly url: string;
  readonly paths: readonly string[];
  readonly headers?: Readonly<Record<string, string>>;
  /** Duration, s. */
  readonly durationS: number;
  readonly signal?: AbortSignal;
  readonly phases?: ReadonlyArray<{ readonly name: string; readonly startMs: number }>;
}

/** A load readied and waiting for its start. */
export interface PreparedLoad {
  /** Starts the load on the row's clock (`performance.now()` ms) and waits for its result. */
  run(startAtMs: number): Promise<LoadResult>;
  /** Stops a load that was readied but never started. Idempotent. */
  cancel(): Promise<void>;
}

/** A column a model adds to a table: its header and a row's cell. */
export interface ModelColumn<R> {
  readonly header: string;
  cell(row: R): string;
}

/** A row as the model's renderers read it (structural, so this file imports no report types). */
export interface ModelRow {
  /** Answers (the requests its latency figures count beyond those were given up). */
  readonly requests: number;
  readonly open?:
    | {
        readonly uncorrectedLatencyUs: { readonly count: number } & Readonly<
          Record<'p50' | 'p90' | 'p99' | 'p999' | 'max', number>
        >;
        readonly sendLagP99Us: number;
        readonly late: number;
        readonly dropped: number;
      }
    | undefined;
}

/** A load model. */
export interface LoadModelDef {
  /** Its name in scenarios (`load.model`) and `report.json` (`scenarios[].loadModel`). */
  readonly name: string;
  /** As reports name it, e.g. `closed model`. */
  readonly title: string;
  /** A problem with the settings that the schema's ranges cannot see (e.g. a missing rate), or undefined. */
  validate(load: LoadSettings): { readonly path: string; readonly message: string } | undefined;
  /** The generator's per-request timeout in effect, s. */
  timeoutS(load: LoadSettings): number;
  /** Generator connections (or the cap on them) for a target offering `targetConnections`. */
  connections(load: LoadSettings, targetConnections: number): number;
  /** Readies one load (loading its generator); `run` starts it. */
  prepare(
    common: CommonLoadOptions,
    load: LoadSettings,
    targetConnections: number,
    events: LoadEvents,
  ): Promise<PreparedLoad>;
  /** What the model adds to a row from its result (e.g. the open model's schedule figures), and its flags. */
  rowResults(load: LoadResult): {
    readonly fields: Readonly<Record<string, unknown>>;
    readonly flags: readonly string[];
  };
  /** `list`'s and progress lines' shape of the load, e.g. `500 connections`, `open model 200 req/s`. */
  describe(load: LoadSettings, connections?: number): string;
  /** report.md's "Load:" sentence, given the measured window and the keys. */
  loadLine(load: LoadSettings, window: string, keys: string): string;
  /** What the generator does with a request it gives up on, in a fault scenario's window sentence. */
  giveUp(load: LoadSettings): string;
  /** What the latency figures are, for chart captions (`Latency of 2xx answers`). */
  readonly latencyOf: string;
  /** What the p99 is, for the p99 chart's caption (`p99 of 2xx answers`). */
  readonly p99Of: string;
  /** Extra columns of report.md's headline table and of the terminal table. */
  readonly headlineColumns: readonly ModelColumn<ModelRow>[];
  readonly terminalColumns: readonly ModelColumn<ModelRow>[];
  /** Text after a row's p99 in the progress line (e.g. the uncorrected p99). */
  progressSuffix(row: ModelRow): string;
  /** Text after the scenario's name in the terminal table's title. */
  terminalTitle(load: LoadSettings): string;
}

/** Declares a load model (see {@link LoadModelDef}). */
export function defineLoadModel(def: LoadModelDef): LoadModelDef {
  return def;
}
