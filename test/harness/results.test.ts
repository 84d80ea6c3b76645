/**
 * The results model: repeated runs merged into a row keep what every run showed (the worst leak verdict with its
 * evidence, the highest peaks, the generator's busiest run, phases added up), and the service's memory meter counts
 * what is allocated outside the V8 heap (Buffers) as well as inside it; the idle baseline of active resources holds a
 * poller's next-poll timer even when taken while the poll is in flight.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { execa } from 'execa';
import { describe, expect, it } from 'vitest';
import { createLatencyHistogram, encodeHistogram, recordMs } from '../../harness/load/latency-histogram.ts';
import type { ResultRow } from '../../harness/report/report-schema.ts';
import { mergeRun, runsOf } from '../../harness/results/merge.ts';
import { ProcessMeter } from '../../harness/service/service-meters.ts';
import { row as fixtureRow, run } from '../report-fixtures.ts';

function histogramOf(ms: number): string {
  const h = createLatencyHistogram();
  recordMs(h, ms);
  return encodeHistogram(h);
}

function row(verdict: 'leak' | 'no-leak', extra: Partial<ResultRow> = {}): ResultRow {
  const phase = (name: 'baseline' | 'fault' | 'drain', ms: number) => ({
    name,
    startMs: 0,
    durationMs: 1000,
    requests: 100,
    ok: 100,
    rps: 100,
    latencyUs: {
      p50: ms * 1000,
      p90: ms * 1000,
      p99: ms * 1000,
      p999: ms * 1000,
      max: ms * 1000,
      mean: ms * 1000,
      count: 1,
    },
    histogram: histogramOf(ms),
    errors: 1,
  });
  return fixtureRow('x', [run(1)], verdict, {
    histogram: histogramOf(1),
    peakRssBytes: 1000,
    loadGenerator: { elu: 0.5, cpuPercent: 50, saturated: false },
    phases: [phase('baseline', 1), phase('fault', 2), phase('drain', 1)],
    timeline: [],
    ...extra,
  });
}

describe('mergeRun', () => {
  it('keeps the worst verdict with its evidence, the highest peaks, the busiest generator, and adds phases', () => {
    const first = row('no-leak');
    const second = row('leak', {
      peakRssBytes: 5000,
      loadGenerator: { elu: 0.95, cpuPercent: 99, saturated: true },
      timeline: [
        {
          tMs: 0,
          phase: 'baseline',
          inFlight: 7,
          longPolls: 0,
          resources: {},
          heapUsedBytes: 0,
          rssBytes: 0,
          elu: 0,
          eventLoopDelayP99Ms: 0,
        },
      ],
    });
    const merged = mergeRun(first, second);
    expect(merged.leak?.verdict).toBe('leak');
    expect(merged.leak?.evidence.reason).toBe('leak');
    expect(merged.timeline?.[0]?.inFlight).toBe(7); // the timeline of the run whose verdict is shown
    expect(runsOf(merged).map((r) => r.leak)).toEqual(['no-leak', 'leak']);
    expect(merged.peakRssBytes).toBe(5000);
    expect(runsOf(merged).map((r) => r.peakRssBytes)).toEqual([1000, 5000]);
    expect(merged.loadGenerator).toEqual({ elu: 0.95, cpuPercent: 99, saturated: true });
    const fault = merged.phases?.find((p) => p.name === 'fault');
    expect(fault).toMatchObject({ requests: 200, ok: 200, errors: 2, durationMs: 2000 });
    expect(fault?.latencyUs.count).toBe(2);
    // merged the other way round, the leak still shows
    expect(mergeRun(second, first).leak?.verdict).toBe('leak');
  });
});

describe('ProcessMeter', () => {
  it('counts memory allocated outside the V8 heap (Buffers) beside the heap', () => {
    const meter = new ProcessMeter();
    try {
      meter.snapshot(); // a new window
      let keep: Buffer[] = [];
      for (let i = 0; i < 400; i++) {
        keep.push(Buffer.allocUnsafeSlow(64 * 1024)); // 25 MiB in all, outside the heap and the Buffer pool
        if (keep.length > 50) keep = [];
      }
      const counts = meter.snapshot();
      expect(keep.length).toBeGreaterThan(0);
      expect(counts.externalAllocatedBytes).toBeGreaterThan(16 * 1024 * 1024);
      expect(counts.heapAllocatedBytes).toBeLessThan(counts.externalAllocatedBytes);
    } finally {
      meter.dispose();
    }
  });
});

describe('idleResourceCounts', () => {
  it("a poller's next-poll timer is in the idle baseline though one snapshot in its poll misses it", async () => {
    // as the polling-cache fixture: a ref'd timer to the next poll, none while the poll (here 60 ms) is in flight;
    // in a process of its own (the test runner's own timers come and go)
    const meters = pathToFileURL(path.resolve('harness/service/idle-resources.ts')).href;
    const script = `
      import { activeResourceCounts, idleResourceCounts } from '${meters}';
      let stopped = false;
      let next;
      const poll = () => { setTimeout(() => { if (!stopped) next = setTimeout(poll, 150); }, 60).unref(); };
      poll();
      const inPoll = activeResourceCounts().Timeout ?? 0;
      const over = (await idleResourceCounts(1000)).Timeout ?? 0;
      stopped = true;
      clearTimeout(next);
      console.log(JSON.stringify({ inPoll, over }));`;
    const { stdout } = await execa(process.execPath, ['--input-type=module', '-e', script], { timeout: 20_000 });
    expect(JSON.parse(stdout)).toEqual({ inPoll: 0, over: 1 });
  });
});
