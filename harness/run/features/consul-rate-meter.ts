/**
 * Consul's own rate of a row's KV reads, idle and at the end of the quiesce, for the leak verdict
 * (`harness/consul/consul-monitor.ts`): a row's background work that no read waits on (a poll or watch loop started
 * again on an error while the old one lives on) shows as more reads a second at Consul after the fault than before
 * it, whatever the client's protocol or library. The monitor is open only while idle and during the quiesce: under
 * load it would cost Consul a log line per request.
 *
 * @module
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ConsulEndpoint } from '../../consul/consul-admin.ts';
import { ConsulRequestMonitor } from '../../consul/consul-monitor.ts';

/** The window the rates are taken over, ms: the idle window before the warm-up, and the quiesce's last part. */
export const CONSUL_RATE_WINDOW_MS = 3000;

/** Opens and closes the monitor around what is judged; keeps what it counted. */
export class ConsulRateMeter {
  readonly #ep: ConsulEndpoint;
  readonly #prefix: string;
  readonly #notice: (message: string) => void;
  #idlePerS: number | undefined;
  #monitor: ConsulRequestMonitor | undefined;
  #unavailable = false;

  constructor(ep: ConsulEndpoint, prefix: string, notice: (message: string) => void) {
    this.#ep = ep;
    this.#prefix = prefix;
    this.#notice = notice;
  }

  /** Opens the monitor (once it failed, never again: the meter is then unavailable for the row). */
  async open(): Promise<void> {
    if (this.#unavailable || this.#monitor) return;
    try {
      this.#monitor = await ConsulRequestMonitor.start(this.#ep, this.#prefix);
    } catch (err) {
      this.#unavailable = true;
      this.#notice(`Consul's request rate is not judged: ${(err as Error).message}`);
    }
  }

  /** Stops the stream; what it counted stays readable. */
  async close(): Promise<void> {
    await this.#monitor?.stop();
  }

  /** Counts the row's reads at Consul for `windowMs` with no load: the rate its background work runs at. */
  async measureIdle(windowMs: number, signal?: AbortSignal): Promise<void> {
    await this.open();
    const monitor = this.#monitor;
    if (!monitor) return;
    const from = Date.now();
    await sleep(windowMs, undefined, signal ? { signal } : undefined).catch(() => {});
    const to = Date.now();
    await monitor.stop();
    this.#idlePerS = monitor.ratePerS(from, to);
    this.#monitor = undefined;
  }

  /** The idle rate and the rate in [fromMs, toMs) of the quiesce (`Date.now()` clock), reads/s; undefined when not measured. */
  rates(fromMs: number, toMs: number): { idlePerS: number; quiescePerS: number } | undefined {
    if (this.#idlePerS === undefined || !this.#monitor || this.#monitor.failure) return undefined;
    return { idlePerS: this.#idlePerS, quiescePerS: this.#monitor.ratePerS(fromMs, toMs) };
  }
}
