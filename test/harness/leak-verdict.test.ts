/**
 * The leak verdict on synthetic timelines (250 ms samples; baseline 0–5 s, fault 5–15 s, drain 15–25 s, then a
 * quiesce with the load stopped, 25–31 s). The rule judges what is left at the end of the quiesce; the trend during
 * the fault is supporting evidence.
 */
import { describe, expect, it } from 'vitest';
import { judgeLeak, ORPHAN_LIMIT, type VerdictSample } from '../../harness/diagnosis/leak-verdict.ts';

const bounds = { faultStartMs: 5000, drainStartMs: 15000, endMs: 25000, quiesceEndMs: 31000 };
/** What the service held when ready and idle: its server socket, the IPC pipe's timers. */
const idle = { TCPSocketWrap: 1, Timeout: 2 };

type Phase = 'baseline' | 'fault' | 'drain' | 'quiesce';
const phase = (t: number): Phase => (t < 5 ? 'baseline' : t < 15 ? 'fault' : t <= 25 ? 'drain' : 'quiesce');

/**
 * Builds a timeline from functions of time (s): requests in flight, ESTABLISHED sockets (default: in flight),
 * reads pending at the door (default: in flight) and extra resources.
 */
function timeline(
  inFlight: (t: number) => number,
  established: (t: number) => number = inFlight,
  options: { endMs?: number; pending?: (t: number) => number; extra?: (t: number) => Record<string, number> } = {},
): VerdictSample[] {
  const out: VerdictSample[] = [];
  for (let ms = 0; ms <= (options.endMs ?? bounds.quiesceEndMs); ms += 250) {
    const t = ms / 1000;
    out.push({
      tMs: ms,
      inFlight: inFlight(t),
      pending: (options.pending ?? inFlight)(t),
      sockets: { ESTABLISHED: established(t), TIME_WAIT: 3 },
      resources: { TCPSocketWrap: established(t) + 1, Timeout: 2, ...options.extra?.(t) },
    });
  }
  return out;
}

describe('judgeLeak', () => {
  it('a clear leak: in flight climbs through the stall and is still there after the quiesce', () => {
    const v = judgeLeak(
      timeline((t) => (phase(t) === 'baseline' ? 2 : phase(t) === 'fault' ? 2 + Math.round((t - 5) * 50) : 502)),
      bounds,
      idle,
    );
    expect(v.verdict).toBe('leak');
    expect(v.orphans).toMatchObject({ pending: 502, inFlight: 502, resources: { TCPSocketWrap: 502 }, worst: 502 });
    expect(v.inFlight?.faultSlopePerS).toBeCloseTo(50, 0);
    expect(v.grownResources.TCPSocketWrap).toBe(500);
    expect(v.reason).toMatch(/6 s after the load stopped .*502 reads still pending in the client/);
    expect(v.reason).toMatch(/requests in flight to Consul went from 2 to a peak of 490 during the fault/);
  });

  it("states the generator's wait for answers and the quiesce apart, as measured", () => {
    const leaky = (t: number) =>
      phase(t) === 'baseline' ? 2 : phase(t) === 'fault' ? 2 + Math.round((t - 5) * 50) : 502;
    const v = judgeLeak(timeline(leaky), { ...bounds, quiesceStartMs: 26_500 }, idle);
    expect(v.reason).toMatch(
      /^6 s after the last request was sent \(the generator's 1\.5 s wait for answers, then a 4\.5 s quiesce\)/,
    );
  });

  it('orphans below the fault peak are a leak whatever the rise: 30 → 530 → 130 left for good', () => {
    // The rule this replaced allowed 25% of the rise (124) and judged this no-leak.
    const v = judgeLeak(
      timeline((t) => (phase(t) === 'baseline' ? 30 : phase(t) === 'fault' ? 30 + Math.round((t - 5) * 50) : 130)),
      bounds,
      idle,
    );
    expect(v.verdict).toBe('leak');
    expect(v.orphans?.pending).toBe(130);
  });

  it('a healthy client pinned at its concurrency ceiling during the stall is no leak once nothing is left', () => {
    // fresh-connection in the committed report: 39.5 → 50 → 48 at the end of the drain, load still running.
    const v = judgeLeak(
      timeline((t) => (phase(t) === 'baseline' ? 40 : phase(t) === 'fault' ? 50 : phase(t) === 'drain' ? 48 : 0)),
      bounds,
      idle,
    );
    expect(v.verdict).toBe('no-leak');
    expect(v.orphans?.worst).toBe(0);
    expect(v.reason).toMatch(/^nothing was left 6 s after the load stopped/);
  });

  it('reads piled up inside the client (a queue, a rate limiter, a retry sleep) are a leak with nothing on the wire', () => {
    const v = judgeLeak(
      timeline(
        () => 0,
        () => 1,
        { pending: (t) => (phase(t) === 'baseline' ? 0 : phase(t) === 'fault' ? Math.round((t - 5) * 20) : 200) },
      ),
      bounds,
      idle,
    );
    expect(v.verdict).toBe('leak');
    expect(v.orphans).toMatchObject({ pending: 200, inFlight: 0 });
  });

  it('a healthy client under a stall: in flight rises to rate × timeout, then returns', () => {
    const v = judgeLeak(
      timeline(
        (t) => (phase(t) === 'fault' ? 50 : phase(t) === 'quiesce' ? 0 : 1),
        (t) => (phase(t) === 'fault' ? 50 : t < 20 && phase(t) === 'drain' ? 32 : 0),
      ),
      bounds,
      idle,
    );
    expect(v.verdict).toBe('no-leak');
    expect(v.inFlight?.rose).toBe(true);
  });

  it('legitimate long polls are not in flight: a watch holding one connection is no leak', () => {
    // The sampler counts blocking queries apart; in flight stays 0, one socket stays open throughout (idle too).
    const v = judgeLeak(
      timeline(
        () => 0,
        () => 1,
      ),
      bounds,
      { TCPSocketWrap: 2, Timeout: 2 },
    );
    expect(v.verdict).toBe('no-leak');
    expect(v.orphans?.resources).toEqual({});
  });

  it('settle and retry: work on its way out during the quiesce is not counted, only what stays', () => {
    // 40 left at first, gone within the quiesce's last second but one sample: the minimum over the last second is 0.
    const v = judgeLeak(
      timeline((t) => (phase(t) === 'quiesce' ? (t < 30.5 ? 40 : 0) : 5)),
      bounds,
      idle,
    );
    expect(v.verdict).toBe('no-leak');
  });

  it('sockets or timers kept after the requests ended are a leak (resources above the idle baseline)', () => {
    const v = judgeLeak(
      timeline(
        (t) => (phase(t) === 'fault' ? 40 : phase(t) === 'quiesce' ? 0 : 1),
        (t) => (phase(t) === 'baseline' ? 0 : 200),
        { pending: () => 0, extra: (t): Record<string, number> => (phase(t) === 'quiesce' ? { Timeout: 30 } : {}) },
      ),
      bounds,
      idle,
    );
    expect(v.verdict).toBe('leak');
    expect(v.orphans?.resources).toEqual({ TCPSocketWrap: 200, Timeout: 28 }); // 30 timers against 2 when idle
    expect(v.reason).toMatch(/TCPSocketWrap \+200 over idle/);
  });

  it(`a few left (1 to ${ORPHAN_LIMIT}) is inconclusive; none is no-leak`, () => {
    const few = judgeLeak(
      timeline((t) => (phase(t) === 'quiesce' ? 2 : 3)),
      bounds,
      idle,
    );
    expect(few.verdict).toBe('inconclusive');
    expect(few.reason).toMatch(/not more than 2/);
  });

  it('without a quiesce, or too short to judge, it is inconclusive', () => {
    const noQuiesce = judgeLeak(
      timeline(
        () => 1,
        () => 1,
        { endMs: 25000 },
      ),
      { ...bounds, quiesceEndMs: 25000 },
      idle,
    );
    expect(noQuiesce.verdict).toBe('inconclusive');
    expect(noQuiesce.reason).toMatch(/no quiesce to judge/);
    const short = judgeLeak(
      timeline(
        () => 1,
        () => 1,
        { endMs: 6000 },
      ),
      { faultStartMs: 500, drainStartMs: 5000, endMs: 6000 },
    );
    expect(short.verdict).toBe('inconclusive');
    expect(short.reason).toMatch(/too short to judge: 2 baseline/);
  });

  it('without socket states (not Linux) it judges on what is pending and in flight', () => {
    const samples = timeline((t) => (phase(t) === 'baseline' ? 0 : 100)).map(({ sockets: _s, ...rest }) => rest);
    const v = judgeLeak(samples, bounds, idle);
    expect(v.verdict).toBe('leak');
    expect(v.establishedSockets).toBeUndefined();
  });

  it('a watch loop started again on each error: blocking queries left above their number before the fault', () => {
    // one watch before the stall; each error during it added a loop that long-polls for good; no read waits on them
    const samples = timeline(() => 0).map((smp) => {
      const t = smp.tMs / 1000;
      return { ...smp, longPolls: phase(t) === 'baseline' ? 1 : phase(t) === 'fault' ? 1 + Math.floor(t - 5) : 7 };
    });
    const v = judgeLeak(samples, bounds, idle, { clientTimeoutMs: 1000 });
    expect(v.verdict).toBe('leak');
    expect(v.orphans).toMatchObject({ pending: 0, inFlight: 0, longPolls: 6, worst: 6 });
    expect(v.reason).toMatch(/6 more blocking queries \(watches\) open than before the fault/);
    expect(v.reason).toMatch(/longer than the client's stated timeout of 1 s/);
    // a healthy watch: one blocking query before, during and after
    const healthy = timeline(() => 0).map((smp) => ({ ...smp, longPolls: 1 }));
    expect(judgeLeak(healthy, bounds, idle).verdict).toBe('no-leak');
  });

  it("goleak's options: a tolerance, resource types not judged, and the client's stated timeout", () => {
    // a cache that keeps a ref'd timer per key (8 keys): +8 Timeouts over an idle taken before any read
    const timers = timeline(() => 0, undefined, { extra: (t) => ({ Timeout: t < 1 ? 2 : 10 }) });
    expect(judgeLeak(timers, bounds, idle).verdict).toBe('leak');
    const ignored = judgeLeak(timers, bounds, idle, { ignoreResources: ['Timeout'] });
    expect(ignored.verdict).toBe('no-leak');
    expect(ignored.reason).toMatch(/\(Timeout not judged\)/);
    expect(judgeLeak(timers, bounds, idle, { tolerance: 8 }).verdict).toBe('inconclusive');
    // what is left may still end when the client's own timeout is longer than the grace
    const slow = timeline((t) => (phase(t) === 'baseline' ? 0 : 20));
    const early = judgeLeak(slow, bounds, idle, { clientTimeoutMs: 12_000 });
    expect(early.verdict).toBe('inconclusive');
    expect(early.reason).toMatch(/the client's stated timeout \(12 s\) is longer: they may still end/);
    expect(judgeLeak(slow, bounds, idle).reason).toMatch(/the client's own timeout was not stated/);
  });

  it("Consul's rate of the row's reads with no load: more after the fault than before it is background work left running", () => {
    // nothing pending, nothing in flight, no blocking query held: duplicated short polls on unref'd timers
    const quiet = timeline(() => 0);
    const v = judgeLeak(quiet, bounds, idle, { consulRates: { idlePerS: 1, quiescePerS: 6.3 } });
    expect(v.verdict).toBe('leak');
    expect(v.orphans?.consulReadsPerS).toEqual({ idle: 1, quiesce: 6.3, excess: 5.3 });
    expect(v.reason).toMatch(/Consul served 6\.3 of its reads a second with no load, against 1 idle before it/);
    // the evidence says which meter decided
    expect(v.orphans?.decidedBy).toEqual(['consulReads']);
    expect(v.reason).toMatch(/decided by Consul's count of the row's reads/);
    // a poller at its own rate before and after: not a leak; a small rise is within the limit
    expect(judgeLeak(quiet, bounds, idle, { consulRates: { idlePerS: 1, quiescePerS: 1.3 } }).verdict).toBe('no-leak');
    expect(judgeLeak(quiet, bounds, idle, { consulRates: { idlePerS: 3, quiescePerS: 5.5 } }).verdict).toBe('no-leak');
  });

  it('the heap retained after full GCs: growth past 4 MiB and a quarter of the warm idle heap is a leak', () => {
    const quiet = timeline(() => 0);
    const MiB = 1024 * 1024;
    const v = judgeLeak(quiet, bounds, idle, { retainedHeap: { idleBytes: 10 * MiB, afterBytes: 30 * MiB } });
    expect(v.verdict).toBe('leak');
    expect(v.orphans?.retainedHeapBytes).toEqual({ idle: 10 * MiB, after: 30 * MiB, growth: 20 * MiB });
    expect(v.reason).toMatch(/the memory retained after full GCs grew from 10\.0 to 30\.0 MiB/);
    expect(v.orphans?.decidedBy).toEqual(['retainedMemory']);
    // within either bound: not judged a leak
    expect(
      judgeLeak(quiet, bounds, idle, { retainedHeap: { idleBytes: 10 * MiB, afterBytes: 13 * MiB } }).verdict,
    ).toBe('no-leak');
    expect(
      judgeLeak(quiet, bounds, idle, { retainedHeap: { idleBytes: 40 * MiB, afterBytes: 48 * MiB } }).verdict,
    ).toBe('no-leak');
  });
});
