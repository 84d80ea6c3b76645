/**
 * The load runner's phases: an answer counts in the phase its request was sent in, and so does a timeout (seen
 * `timeoutS` later), so a stall's timeouts are not spilled into the phase after it.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLoad } from '../../harness/load/load-runner.ts';

describe('runLoad phases', () => {
  let server: http.Server;
  let url = '';
  let stallUntil = 0;
  beforeAll(async () => {
    // Requests that arrive before `stallUntil` are never answered (a stall); later ones get 200 at once.
    server = http.createServer((_req, res) => {
      if (performance.now() < stallUntil) return;
      res.end('ok');
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('counts a timeout in the phase its request was sent in, not the phase it was seen in', async () => {
    stallUntil = performance.now() + 1500; // the first phase (0–2 s) stalls for its first 1.5 s
    const result = await runLoad({
      url,
      paths: ['/'],
      connections: 4,
      durationS: 4,
      timeoutS: 1,
      phases: [
        { name: 'stalled', startMs: 0 },
        { name: 'after', startMs: 2000 },
      ],
    });
    const [stalled, after] = result.phases;
    expect(result.timeouts).toBeGreaterThanOrEqual(4);
    // The stall's timeouts are seen 1 s after their requests were sent, some of them after 2 s: all count in 'stalled'.
    expect(stalled!.requestErrors).toBe(result.timeouts + result.connectionErrors);
    expect(after!.requestErrors).toBe(0);
    expect(after!.responses).toBeGreaterThan(0);
  });
});
