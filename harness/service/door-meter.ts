/**
 * Reads at the service's door: counted from the moment the service hands a read to the client (`client.get()`)
 * until the client settles it, wherever the read waits meanwhile: on the wire, in a pool's queue, behind a rate
 * limiter, in a retry's sleep. The wire-level count (`InFlightMeter`, from diagnostics channels) misses the last
 * three: undici publishes `undici:request:create` only when a Client takes a request from its Pool's queue, and
 * Node's `http.client.response.finish` fires at the headers (docs/MEASUREMENT-NOTES.md, leak signals).
 *
 * @module
 */

/** Counts reads the client has not settled. */
export class DoorMeter {
  #pending = 0;
  #peak = 0;
  /** Reads handed to the client since the start. */
  #started = 0;

  /**
   * Counts `read` from now until it settles.
   * @returns `read`, unchanged.
   */
  track<T>(read: Promise<T>): Promise<T> {
    this.#pending++;
    this.#started++;
    if (this.#pending > this.#peak) this.#peak = this.#pending;
    const done = (): void => {
      this.#pending--;
    };
    read.then(done, done);
    return read;
  }

  /** Reads handed to the client and not settled yet. */
  get pending(): number {
    return this.#pending;
  }

  /** Most reads pending at once since the last {@link DoorMeter.resetPeak}. */
  get peak(): number {
    return this.#peak;
  }

  /** Reads handed to the client since the service started. */
  get started(): number {
    return this.#started;
  }

  /** Starts a new window for the peak (at what is pending now). */
  resetPeak(): void {
    this.#peak = this.#pending;
  }
}
