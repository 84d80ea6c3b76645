/**
 * Timed steps of a row's measured window as data: "at 10 000 ms, start the stall; at 30 000 ms, end it". A
 * {@link StepTimeline} runs its steps in order of their offsets, each awaited before the next (so "start Consul
 * again" never overtakes "stop Consul"), records each step's outcome, and is stopped when the load ends: steps not
 * yet due are skipped, a step under way is awaited.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';

/** One step at an offset of the measured window. */
export interface TimelineStep {
  /** Offset from the timeline's origin, ms. */
  readonly atMs: number;
  /** Unique name of the step, for its outcome. */
  readonly label: string;
  run(): Promise<void> | void;
}

/** What became of a step. */
export type StepOutcome = { readonly ok: true } | { readonly ok: false; readonly error: unknown } | undefined;

/** Runs {@link TimelineStep}s at their offsets (see the module comment). Lifecycle: `add()`… → `start()` → `stop()`. */
export class StepTimeline {
  readonly #steps: TimelineStep[] = [];
  readonly #outcomes = new Map<string, Exclude<StepOutcome, undefined>>();
  readonly #stop = new AbortController();
  #running: Promise<void> | undefined;

  /**
   * Adds a step.
   * @throws {Error} after `start()`, or when the label is taken.
   */
  add(step: TimelineStep): void {
    if (this.#running) throw new Error(`timeline already started: cannot add ${step.label}`);
    if (this.#steps.some((s) => s.label === step.label)) throw new Error(`timeline step ${step.label} added twice`);
    this.#steps.push(step);
  }

  /** Number of steps added. */
  get size(): number {
    return this.#steps.length;
  }

  /**
   * Starts running the steps. Idempotent.
   * @param originMs `performance.now()` the offsets count from.
   */
  start(originMs: number): void {
    const steps = [...this.#steps].sort((a, b) => a.atMs - b.atMs);
    this.#running ??= (async () => {
      for (const step of steps) {
        const waitMs = originMs + step.atMs - performance.now();
        if (waitMs > 0) await sleep(waitMs, undefined, { signal: this.#stop.signal }).catch(() => {});
        if (this.#stop.signal.aborted) return;
        try {
          await step.run();
          this.#outcomes.set(step.label, { ok: true });
        } catch (error) {
          this.#outcomes.set(step.label, { ok: false, error });
        }
      }
    })();
  }

  /** Skips the steps not yet due and waits for the one under way. Idempotent; safe before `start()`. */
  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#running;
  }

  /** A step's outcome: `{ ok }`, or `undefined` when it never ran. */
  outcome(label: string): StepOutcome {
    return this.#outcomes.get(label);
  }
}
