/** The leak verdict on synthetic timelines (250 ms samples; baseline 0–5 s, fault 5–15 s, drain 15–25 s). */
import { describe, expect, it } from 'vitest';
import { judgeLeak, type VerdictSample } from '../../harness/diagnosis/leak-verdict.ts';

const bounds = { faultStartMs: 5000, drainStartMs: 15000, endMs: 25000 };

/** Builds a timeline from functions of time (s) for in-flight and ESTABLISHED sockets. */
function timeline(
  inFlight: (t: number) => number,
  established: (t: number) => number = inFlight,
  endMs = bounds.endMs,
  extra: (t: number) => Record<string, number> = () => ({}),
): VerdictSample[] {
  const out: VerdictSample[] = [];
  for (let ms = 0; ms <= endMs; ms += 250) {
    const t = ms / 1000;
    out.push({
      tMs: ms,
      inFlight: inFlight(t),
      sockets: { ESTABLISHED: established(t), TIME_WAIT: 3 },
      resources: { TCPSocketWrap: established(t) + 1, Timeout: 2, ...extra(t) },
    });
  }
  return out;
}
const phase = (t: number) => (t < 5 ? 'baseline' : t < 15 ? 'fault' : 'drain');

describe('judgeLeak', () => {
  it('a clear leak: in flight climbs through the stall and stays up after the drain', () => {
    const v = judgeLeak(
      timeline((t) => (phase(t) === 'baseline' ? 2 : phase(t) === 'fault' ? 2 + Math.round((t - 5) * 50) : 502)),
      bounds,
    );
    expect(v.verdict).toBe('leak');
    expect(v.inFlight?.faultSlopePerS).toBeCloseTo(50, 0);
    expect(v.inFlight?.residual).toBe(500);
    expect(v.grownResources.TCPSocketWrap).toBe(500);
    expect(v.reason).toMatch(/requests in flight to Consul went from 2 to a peak of 490 during the fault/);
  });

  it('a healthy client under a stall: in flight rises to rate × timeout, then returns', () => {
    const v = judgeLeak(
      timeline(
        (t) => (phase(t) === 'fault' ? 50 : 1),
        (t) => (phase(t) === 'fault' ? 50 : t < 20 && phase(t) === 'drain' ? 32 : 1),
      ),
      bounds,
    );
    expect(v.verdict).toBe('no-leak');
    expect(v.inFlight?.rose).toBe(true);
    expect(v.inFlight?.stayedUp).toBe(false);
  });

  it('legitimate long polls are not in flight: a watch holding one connection is no leak', () => {
    // The sampler counts blocking queries apart; in flight stays 0, one socket stays open throughout.
    const v = judgeLeak(
      timeline(
        () => 0,
        () => 1,
      ),
      bounds,
    );
    expect(v.verdict).toBe('no-leak');
    expect(v.establishedSockets?.baseline).toBe(1);
    expect(v.establishedSockets?.residual).toBe(0);
  });

  it('noisy but flat is no leak', () => {
    let seed = 7;
    const noise = () => {
      seed = (seed * 16807) % 2147483647;
      return seed % 5;
    };
    const v = judgeLeak(
      timeline(
        () => 10 + noise(),
        () => 10 + noise(),
      ),
      bounds,
    );
    expect(v.verdict).toBe('no-leak');
    expect(v.inFlight?.rose).toBe(false);
  });

  it('a leak seen only in sockets (requests ended, connections kept) is a leak', () => {
    const v = judgeLeak(
      timeline(
        (t) => (phase(t) === 'fault' ? 40 : 1),
        (t) => (phase(t) === 'baseline' ? 2 : 200),
      ),
      bounds,
    );
    expect(v.verdict).toBe('leak');
    expect(v.reason).toMatch(/sockets ESTABLISHED/);
  });

  it('too short to judge is inconclusive', () => {
    const v = judgeLeak(
      timeline(
        () => 1,
        () => 1,
        6000,
      ),
      { faultStartMs: 500, drainStartMs: 5000, endMs: 6000 },
    );
    expect(v.verdict).toBe('inconclusive');
    expect(v.reason).toMatch(/too short to judge: 2 baseline/);
  });

  it('without socket states (not Linux) it judges on in-flight alone', () => {
    const samples = timeline((t) => (phase(t) === 'baseline' ? 0 : 100)).map(({ sockets: _s, ...rest }) => rest);
    const v = judgeLeak(samples, bounds);
    expect(v.verdict).toBe('leak');
    expect(v.establishedSockets).toBeUndefined();
  });
});
