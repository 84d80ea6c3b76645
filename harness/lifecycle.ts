/**
 * Explicit lifecycles: everything the harness starts registers its teardown at once, and a {@link Teardown}
 * stops them in reverse order on success, failure, SIGINT and SIGTERM (docs/STYLE.md, rule 7).
 *
 * @module
 */

/** A stack of cleanup steps run last-in, first-out. Each step runs once; failures are collected, not thrown. */
export class Teardown {
  readonly #steps: Array<{ name: string; run: () => Promise<void> | void }> = [];
  #running: Promise<Error[]> | undefined;

  /**
   * Registers a cleanup step.
   * @returns a function that runs the step now (once) and removes it from the stack.
   */
  defer(name: string, run: () => Promise<void> | void): () => Promise<void> {
    const step = { name, run };
    this.#steps.push(step);
    let done: Promise<void> | undefined;
    return () => {
      done ??= (async () => {
        const i = this.#steps.indexOf(step);
        if (i >= 0) this.#steps.splice(i, 1);
        await run();
      })();
      return done;
    };
  }

  /** Number of registered steps not yet run. */
  get size(): number {
    return this.#steps.length;
  }

  /**
   * Runs every registered step in reverse order. Idempotent: later calls return the first call's result.
   * @returns the errors steps threw (each wrapped with the step's name); empty when all succeeded.
   */
  runAll(): Promise<Error[]> {
    this.#running ??= (async () => {
      const errors: Error[] = [];
      while (this.#steps.length > 0) {
        const step = this.#steps.pop()!;
        try {
          await step.run();
        } catch (err) {
          errors.push(
            new Error(`teardown of ${step.name} failed: ${(err as Error)?.message ?? String(err)}`, { cause: err }),
          );
        }
      }
      return errors;
    })();
    return this.#running;
  }
}

/** Keeps the last `max` lines of a process's output, for error messages (testcontainers-node style). */
export class LogTail {
  readonly #lines: string[] = [];
  #partial = '';
  readonly max: number;
  /** @param max lines kept (default 40). */
  constructor(max = 40) {
    this.max = max;
  }

  /** Appends a chunk of output. */
  push(chunk: string | Buffer): void {
    const text = this.#partial + chunk.toString();
    const parts = text.split('\n');
    this.#partial = parts.pop() ?? '';
    for (const line of parts) {
      this.#lines.push(line);
      if (this.#lines.length > this.max) this.#lines.shift();
    }
  }

  /** The kept lines, oldest first. */
  toString(): string {
    return [...this.#lines, ...(this.#partial ? [this.#partial] : [])].join('\n');
  }
}
