/**
 * Consul's log stream as a request meter: the line parser and the filter (a client's KV reads under the row's
 * prefix; not the harness's own address, not writes). The stream itself, against a real Consul, is exercised by the
 * leak corpus (leak-corpus.test.ts), whose poll-respawn-unref row only this meter can judge.
 */
import { describe, expect, it } from 'vitest';
import { isClientKvRead, parseFinishedRequest } from '../../harness/consul/consul-monitor.ts';

const line = (fields: Record<string, unknown>) =>
  JSON.stringify({ '@level': 'debug', '@message': 'Request finished', '@module': 'agent.http', ...fields });

describe("Consul's request log", () => {
  it('parses the request lines of the JSON log and nothing else', () => {
    const r = parseFinishedRequest(
      line({ method: 'GET', url: '/v1/kv/consul-kv-bench/s/1/?recurse&index=12', from: '127.0.0.1:4321' }),
      5,
    );
    expect(r).toEqual({
      atMs: 5,
      method: 'GET',
      url: '/v1/kv/consul-kv-bench/s/1/?recurse&index=12',
      from: '127.0.0.1:4321',
    });
    expect(parseFinishedRequest(JSON.stringify({ '@message': 'Synced node info' }), 5)).toBeUndefined();
    expect(parseFinishedRequest('Request finished, but not JSON', 5)).toBeUndefined();
  });

  it("counts a client's reads under the prefix: not the harness's own, not writes, not another prefix", () => {
    const read = (url: string, method = 'GET', from = '127.0.0.1:4000') => ({ atMs: 0, method, url, from });
    const prefix = 'consul-kv-bench/s/1/';
    expect(isClientKvRead(read('/v1/kv/consul-kv-bench/s/1/key-0001?raw'), prefix)).toBe(true);
    expect(isClientKvRead(read('/v1/kv/consul-kv-bench/s/1?recurse'), prefix)).toBe(true);
    expect(isClientKvRead(read('/v1/kv/consul-kv-bench/s/10/key-0001'), prefix)).toBe(false);
    expect(isClientKvRead(read('/v1/kv/consul-kv-bench/s/1/key-0001', 'PUT'), prefix)).toBe(false);
    expect(isClientKvRead(read('/v1/kv/consul-kv-bench/s/1/key-0001', 'GET', '127.0.0.2:5000'), prefix)).toBe(false);
    expect(isClientKvRead(read('/v1/agent/self'), prefix)).toBe(false);
  });
});
