/**
 * Socket states toward a port, as the service's sampler reads them: /proc/net/tcp in a worker thread, off the
 * service's loop and invisible to its resource counts.
 */
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import {
  countProcNetTcp,
  nextReadDelayMs,
  SOCKET_READ_MAX_INTERVAL_MS,
  SocketStateReader,
  tcpStatesToPort,
} from '../../harness/service/socket-states.ts';
import { eventually } from '../helpers.ts';

describe('socket states toward a port', () => {
  it("paces its reads to a share of a core and of the service's own CPU, within the interval and 20 s", () => {
    // a cheap read on a busy service: the interval
    expect(nextReadDelayMs(200, 0.5, 250)).toBe(250);
    // 5 ms a read on a service at 20% of a core: 1% of its CPU is one read every 2.5 s
    expect(nextReadDelayMs(5000, 0.2, 250)).toBeCloseTo(2500, 6);
    // on a near-idle service the service's share would wait for ever: capped
    expect(nextReadDelayMs(5000, 0.001, 250)).toBe(SOCKET_READ_MAX_INTERVAL_MS);
    expect(nextReadDelayMs(5000, 0, 250)).toBe(SOCKET_READ_MAX_INTERVAL_MS);
    // a read so dear that 2% of a core asks for more than the cap: a core's share wins
    expect(nextReadDelayMs(500_000, 0.001, 250)).toBe(25_000);
    expect(nextReadDelayMs(150_000, 0.001, 250)).toBe(SOCKET_READ_MAX_INTERVAL_MS);
  });
  it("parses /proc/net/tcp's fixed-width lines by the counting rule: client sockets to the port by state, and the port's own TIME_WAIT", () => {
    const v4 = [
      '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode',
      '   0: 0100007F:2134 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 1 1 0 100 0', // the listener
      '   1: 0100007F:C738 0100007F:2134 01 00000000:00000000 00:00000000 00000000     0        0 2 1 0 20 4',
      '   2: 0100007F:2134 0100007F:C738 01 00000000:00000000 00:00000000 00000000     0        0 3 1 0 20 4', // server end
      '   3: 0100007F:C73A 0100007F:2134 06 00000000:00000000 03:00000F9A 00000000     0        0 0 3 0',
      '   4: 0100007F:2134 0100007F:C73B 06 00000000:00000000 03:00000F9A 00000000     0        0 0 3 0', // server closed first
      '10000: 0100007F:C73C 0100007F:2134 08 00000000:00000000 00:00000000 00000000     0        0 5 1 0 20 4', // wide sl
      '   5: 0100007F:C73D 0100007F:4844 01 00000000:00000000 00:00000000 00000000     0        0 6 1 0 20 4', // other port
      '',
    ].join('\n');
    const v6 = [
      '  sl  local_address                         remote_address                        st tx_queue rx_queue',
      '   0: 00000000000000000000000001000000:C73E 00000000000000000000000001000000:2134 02 00000000:00000000 00',
      '',
    ].join('\n');
    const counts = new Uint32Array(12);
    countProcNetTcp(v4, 8500, 8, counts);
    countProcNetTcp(v6, 8500, 32, counts);
    // ESTABLISHED 1, SYN_SENT 2, TIME_WAIT 6, CLOSE_WAIT 8 (include/net/tcp_states.h)
    expect([...counts]).toEqual([0, 1, 1, 0, 0, 0, 2, 0, 1, 0, 0, 0]);
  });

  it("the worker's reads agree with a read on this thread, and the service's resource counts do not see the reader", async () => {
    const accepted: net.Socket[] = [];
    const server = net.createServer((s) => accepted.push(s));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const clients = await Promise.all(
      [1, 2, 3].map(
        () =>
          new Promise<net.Socket>((resolve) => {
            const c = net.connect(port, '127.0.0.1', () => resolve(c));
          }),
      ),
    );
    const typesSeen = async (): Promise<Set<string>> => {
      const seen = new Set<string>();
      for (let i = 0; i < 50; i++) {
        for (const type of process.getActiveResourcesInfo()) seen.add(type);
        await new Promise((r) => setTimeout(r, 5));
      }
      return seen;
    };
    const without = await typesSeen();
    const reader = new SocketStateReader(port, 20, 40); // this idle process's CPU share would space reads 20 s apart
    try {
      expect(tcpStatesToPort(port)).toEqual({ ESTABLISHED: 3 });
      expect(await eventually(() => reader.reads >= 3, 10_000)).toBe(true);
      expect(reader.latest()).toEqual({ ESTABLISHED: 3 });
      // reads under way (one every 20 ms) leave no child process, pipe or message port in this thread's resources
      const withReader = await typesSeen();
      expect([...withReader].filter((t) => !without.has(t))).toEqual([]);
    } finally {
      reader.dispose();
      for (const s of [...clients, ...accepted]) s.destroy();
      server.close();
    }
  });
});
