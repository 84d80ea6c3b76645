/**
 * The freshness measurement's pure parts: versioned values, the token bucket (x/time/rate semantics), and the
 * analysis of writer acknowledgements and probe reads, checked against hand-computed expectations.
 */
import { describe, expect, it } from 'vitest';
import { RateLimitWaitError, TokenBucket } from '../../clients/support/token-bucket.ts';
import { analyzeRecovery, analyzeStaleness } from '../../harness/freshness/freshness-analysis.ts';
import type { WriteAck } from '../../harness/freshness/key-writer.ts';
import type { ProbeRead } from '../../harness/freshness/prober.ts';
import { readVersion, versionedValue } from '../../harness/freshness/versioned-value.ts';

describe('versioned values', () => {
  it('carry their version at the requested size, and other bytes carry none', () => {
    const v = versionedValue(1234, 1024, 3);
    expect(v.byteLength).toBe(1024);
    expect(readVersion(v)).toBe(1234);
    expect(readVersion(versionedValue(0, 4))).toBe(0); // never shorter than its header
    expect(versionedValue(0, 4).byteLength).toBe('kvb-v:0;'.length);
    expect(versionedValue(7, 64, 1)).not.toEqual(versionedValue(7, 64, 2));
    expect(readVersion(new TextEncoder().encode('kvb-v:;'))).toBeUndefined();
    expect(readVersion(new TextEncoder().encode('kvb-v:12x;'))).toBeUndefined();
    expect(readVersion(new Uint8Array(1024))).toBeUndefined();
  });
});

describe('token bucket', () => {
  it('allows a burst, then spaces tokens 1/qps apart, and refuses a wait past the deadline without reserving', async () => {
    // The bucket refills with the clock between calls: each wait is bounded by the time measured around the calls
    // (a fixed 5 ms tolerance failed once in CI with three test files sharing two cores).
    const t0 = performance.now();
    const b = new TokenBucket({ qps: 10, burst: 3 });
    expect([b.reserve(), b.reserve(), b.reserve()]).toEqual([0, 0, 0]);
    const w1 = b.reserve();
    const w2 = b.reserve();
    const t1 = performance.now();
    expect(w1).toBeGreaterThanOrEqual(100 - (t1 - t0));
    expect(w1).toBeLessThanOrEqual(100);
    expect(w2 - w1).toBeGreaterThanOrEqual(100 - (t1 - t0));
    expect(w2 - w1).toBeLessThanOrEqual(100 + 1e-6);
    expect(() => b.reserve(50)).toThrow(RateLimitWaitError);
    expect(b.refused).toBe(1);
    const w3 = b.reserve(); // the refusal reserved nothing: the next wait is one interval after w2, not two
    expect(w3).toBeLessThanOrEqual(w2 + 100 + 1e-6);
    expect(w3).toBeGreaterThanOrEqual(w2 + 100 - (performance.now() - t0));
    const started = performance.now();
    const c = new TokenBucket({ qps: 20, burst: 1 });
    for (let i = 0; i < 5; i++) await c.take();
    expect(performance.now() - started).toBeGreaterThanOrEqual(190);
    expect(() => new TokenBucket({ qps: 0, burst: 1 })).toThrow(RangeError);
    expect(() => new TokenBucket({ qps: 1, burst: 0 })).toThrow(RangeError);
  });
});

const read = (
  keyIndex: number,
  sentMs: number,
  receivedMs: number,
  version: number | null,
  status = 200,
): ProbeRead => ({ keyIndex, sentMs, receivedMs, status, version });
const ack = (keyIndex: number, version: number, ackMs: number): WriteAck => ({
  keyIndex,
  version,
  sentMs: ackMs - 1,
  ackMs,
});

describe('staleness analysis', () => {
  it('propagation is ack → first answer carrying the version or a newer one; stale means older than the newest acked before sending', () => {
    const acks = [ack(0, 1, 100), ack(1, 2, 200), ack(0, 3, 300), ack(1, 4, 400)];
    const reads = [
      read(0, 90, 95, 0),
      read(0, 101, 105, 0), // stale: v1 acked at 100
      read(0, 106, 110, 1), // v1 seen 10 ms after its ack
      read(1, 150, 160, 0),
      read(1, 190, 199, 2), // v2 seen before its ack reached the writer: delay 0
      read(0, 301, 330, 1), // stale: v3 acked at 300
      read(0, 331, 350, 3), // v3 seen 50 ms after
      read(1, 401, 402, null, 502), // failed
      // v4 never seen
    ];
    const a = analyzeStaleness(acks, reads);
    expect(a.writes).toBe(4);
    expect(a.writesSeen).toBe(3);
    expect(a.writesUnseen).toBe(1);
    expect(a.propagationUs.count).toBe(3);
    expect(a.propagationUs.max).toBeGreaterThanOrEqual(49_950);
    expect(a.propagationUs.max).toBeLessThanOrEqual(50_050);
    expect(a.propagationUs.p50).toBeGreaterThanOrEqual(9_990);
    expect(a.propagationUs.p50).toBeLessThanOrEqual(10_010);
    expect(a.reads).toBe(7);
    expect(a.staleReads).toBe(2);
    expect(a.staleShare).toBeCloseTo(2 / 7, 6);
    expect(a.failedReads).toBe(1);
    // the bracket's lower ends: v1 was still old in a read sent at 101 (1 ms), v2 was seen before its ack (0),
    // v3 was still old in a read sent at 301 (1 ms)
    expect(a.propagationLowerUs.count).toBe(3);
    expect(a.propagationLowerUs.max).toBeGreaterThanOrEqual(999);
    expect(a.propagationLowerUs.max).toBeLessThanOrEqual(1001);
  });

  it('the bracket: a read-through client whose own reads are slow is not mistaken for a slow propagation', () => {
    // A write acked at 100. A read-through client (pooled): every read takes 40 ms, the first one sent after the
    // ack carries the value: the upper bound is 45 ms (the read's own latency), the lower bound 0.
    const readThrough = analyzeStaleness([ack(0, 1, 100)], [read(0, 60, 100, 0), read(0, 105, 145, 1)]);
    expect(readThrough.propagationUs.max).toBeGreaterThanOrEqual(44_950);
    expect(readThrough.propagationLowerUs.max).toBeLessThanOrEqual(1); // 0, recorded at the histogram's 1 µs floor
    // A cache that learns of the write 50 ms late, reads fast (1 ms): stale reads sent at 120 and 150, fresh at 152.
    const cache = analyzeStaleness(
      [ack(0, 1, 100)],
      [read(0, 120, 121, 0), read(0, 150, 151, 0), read(0, 152, 153, 1)],
    );
    expect(cache.propagationLowerUs.max).toBeGreaterThanOrEqual(49_950);
    expect(cache.propagationLowerUs.max).toBeLessThanOrEqual(50_050);
    expect(cache.propagationUs.max).toBeLessThanOrEqual(53_100);
  });
});

describe('recovery analysis', () => {
  const times = { downMs: 1000, upMs: 3000, backMs: 4000, freshAckMs: 4100, freshVersions: [1, 1], endMs: 10_000 };

  it('a read-through client: an error window, no stale answers, fresh at its first read after the write', () => {
    const reads = [
      read(0, 900, 905, 0),
      read(0, 1001, 1002, null, 502),
      read(1, 1500, 1501, null, 502),
      read(0, 3990, 3995, null, 502),
      read(0, 4101, 4110, 1),
      read(1, 4150, 4160, 1),
    ];
    const r = analyzeRecovery(reads, times);
    expect(r.errorWindowMs).toBe(3995 - 1001);
    expect(r.failedReads).toBe(3);
    expect(r.staleWhileDown).toBe(0);
    expect(r.staleAfterBack).toBe(0);
    expect(r.recoveryMs).toBe(60); // the slowest key
    expect(r.recovered).toBe(true);
    expect(r.serviceAnswering).toBe(true);
  });

  it('a cache that serves stale values while down and never catches up: no error window, not recovered', () => {
    const reads = [read(0, 1100, 1101, 0), read(1, 2000, 2001, 0), read(0, 4200, 4201, 0), read(1, 9000, 9001, 0)];
    const r = analyzeRecovery(reads, times);
    expect(r.errorWindowMs).toBeNull();
    expect(r.staleWhileDown).toBe(2);
    expect(r.staleAfterBack).toBe(2);
    expect(r.recoveryMs).toBeNull();
    expect(r.recovered).toBe(false);
  });

  it('a wedged service: the last reads got no answer at all', () => {
    const r = analyzeRecovery([read(0, 4200, 9200, null, 0), read(1, 4200, 4300, 1)], times);
    expect(r.serviceAnswering).toBe(false);
    expect(r.recovered).toBe(false);
  });
});
