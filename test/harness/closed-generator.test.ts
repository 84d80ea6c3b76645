/**
 * The closed-model generator (harness/load/load-runner.ts, closed-connection.ts) against real servers on loopback
 * that answer the ways HTTP/1.1 servers do: a `Content-Length` body, a chunked one, a body to the close, no body
 * (204), a head split across writes, errors by status; and what it does when the target refuses connections, when
 * it speaks HTTPS, and that every request a connection sends gets an answer before the next (closed model).
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import net, { type AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConsulTls } from '../../harness/consul/consul-tls.ts';
import { buildRequests, runLoad } from '../../harness/load/load-runner.ts';
import { resolveConsulBinary } from '../../harness/provision/consul-binary.ts';

const origin = (s: net.Server, scheme = 'http') => `${scheme}://127.0.0.1:${(s.address() as AddressInfo).port}`;
const listen = async <T extends net.Server>(s: T): Promise<T> => {
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return s;
};
const close = async (s: net.Server) => {
  (s as http.Server).closeAllConnections?.();
  await new Promise((r) => s.close(r));
};

describe('the closed-model generator', () => {
  let server: http.Server;
  /** Requests seen by path, and the most a connection ever had in flight. */
  const seen = new Map<string, number>();
  let maxInFlightOnOneSocket = 0;
  beforeAll(async () => {
    const inFlight = new WeakMap<object, number>();
    server = await listen(
      http.createServer((req, res) => {
        const path = req.url ?? '';
        seen.set(path, (seen.get(path) ?? 0) + 1);
        const n = (inFlight.get(req.socket) ?? 0) + 1;
        inFlight.set(req.socket, n);
        maxInFlightOnOneSocket = Math.max(maxInFlightOnOneSocket, n);
        res.on('finish', () => inFlight.set(req.socket, (inFlight.get(req.socket) ?? 1) - 1));
        if (path === '/length') res.end('x'.repeat(1500));
        else if (path === '/chunked') {
          res.write('a'.repeat(700)); // a write before end: Node sends the body chunked
          setImmediate(() => res.end('b'.repeat(900)));
        } else if (path === '/empty') {
          res.statusCode = 204;
          res.end();
        } else if (path === '/missing') {
          res.statusCode = 404;
          res.end('no such key');
        } else if (path === '/close') {
          res.setHeader('connection', 'close');
          res.end('bye');
        } else res.end('ok');
      }),
    );
  });
  afterAll(() => close(server));

  it('reads Content-Length, chunked, 204 and Connection: close answers, cycling the paths per connection in order, one request in flight a connection', async () => {
    const paths = ['/length', '/chunked', '/empty', '/missing', '/close'];
    const r = await runLoad({ url: origin(server), paths, connections: 4, durationS: 1, timeoutS: 2 });
    expect(r.connectionErrors).toBe(0);
    expect(r.timeouts).toBe(0);
    expect(r.responses).toBeGreaterThan(100);
    // each path answered with its own status; the 2xx ones in the histogram, the 404s counted by status
    expect(Object.keys(r.byStatus).sort()).toEqual(['200', '204', '404']);
    expect(r.histogram.totalCount).toBe(r.byStatus['200']! + r.byStatus['204']!);
    // in order, per connection: every path sent about as often as the others (each connection's cycle may end early)
    const counts = paths.map((p) => seen.get(p) ?? 0);
    expect(Math.max(...counts) - Math.min(...counts)).toBeLessThanOrEqual(4);
    expect(maxInFlightOnOneSocket).toBe(1);
    expect(r.histogram.getValueAtPercentile(50)).toBeGreaterThan(0);
  });

  it('a head split across writes, and a body to the close (no length), are read whole', async () => {
    let answered = 0;
    const raw = await listen(
      net.createServer((socket) => {
        socket.on('data', () => {
          answered++;
          if (answered % 2 === 0) {
            // no Content-Length: the body ends when the server closes
            socket.end('HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nthe whole body');
            return;
          }
          socket.write('HTTP/1.1 200 OK\r\nConte');
          setTimeout(() => socket.write('nt-Length: 5\r\n\r\nhel'), 2);
          setTimeout(() => socket.write('lo'), 4);
        });
        socket.on('error', () => {});
      }),
    );
    try {
      const r = await runLoad({ url: origin(raw), paths: ['/'], connections: 2, durationS: 1, timeoutS: 2 });
      expect(r.connectionErrors).toBe(0);
      expect(r.byStatus).toEqual({ 200: r.responses });
      expect(r.responses).toBeGreaterThan(20);
    } finally {
      await close(raw);
    }
  });

  it('a refused target: failures counted, the run still ends on time', async () => {
    const s = await listen(net.createServer());
    const url = origin(s);
    await close(s); // its port is now refused
    const t0 = performance.now();
    const r = await runLoad({ url, paths: ['/'], connections: 2, durationS: 0.5, timeoutS: 1 });
    expect(performance.now() - t0).toBeLessThan(1500);
    expect(r.responses).toBe(0);
    expect(r.connectionErrors).toBeGreaterThan(0);
  });

  it('an HTTPS target (consul-direct on a TLS Consul): answered, its certificate not verified', async () => {
    const bin = await resolveConsulBinary({ env: process.env });
    const files = await createConsulTls(bin.path, 1);
    const tlsServer = await listen(
      https.createServer({ cert: await readFile(files.certFile), key: await readFile(files.keyFile) }, (_q, res) =>
        res.end('secure'),
      ),
    );
    try {
      const r = await runLoad({
        url: origin(tlsServer, 'https'),
        paths: ['/'],
        connections: 2,
        durationS: 0.5,
        timeoutS: 2,
      });
      expect(r.connectionErrors).toBe(0);
      expect(r.byStatus['200']).toBeGreaterThan(10);
    } finally {
      await close(tlsServer);
      await files.dispose();
    }
  });

  it('builds each request once: GET, the Host of the target, the row headers', () => {
    const [a] = buildRequests(new URL('http://127.0.0.1:8500'), ['/v1/kv/x?raw'], { 'x-consul-token': 't' });
    expect(a!.toString('latin1')).toBe(
      'GET /v1/kv/x?raw HTTP/1.1\r\nHost: 127.0.0.1:8500\r\nx-consul-token: t\r\n\r\n',
    );
  });
});
