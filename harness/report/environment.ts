/**
 * The machine and versions behind a run, stated in every report (docs/STYLE.md, rule 11).
 *
 * @module
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import type { StartedConsul } from '../consul/consul-types.ts';
import { PACKAGE_VERSION } from '../package-paths.ts';
import type { Environment } from './report-schema.ts';

const require = createRequire(import.meta.url);

/** Version of an installed package, read from its package.json; `unknown` when it cannot be found. */
export function packageVersion(name: string): string {
  try {
    const entry = require.resolve(name);
    let dir = path.dirname(entry);
    for (let i = 0; i < 6; i++) {
      try {
        const pkg = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (pkg.name === name && pkg.version) return pkg.version;
      } catch {
        // keep walking up
      }
      dir = path.dirname(dir);
    }
  } catch {
    // not installed
  }
  return 'unknown';
}

/** This project's version (package.json). */
export function benchVersion(): string {
  return PACKAGE_VERSION;
}

/** Describes this machine, the runtime, the tools and the Consul in use. */
export function describeEnvironment(consul: StartedConsul): Environment {
  const cpus = os.cpus();
  return {
    node: process.version,
    platform: process.platform,
    osRelease: os.release(),
    arch: process.arch,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown',
    cpuCount: os.availableParallelism(),
    totalMemoryBytes: os.totalmem(),
    consul: {
      version: consul.version,
      backend: consul.backend,
      provenance: consul.provenance,
      httpMaxConnsPerClient: consul.httpMaxConnsPerClient ?? null,
    },
    tools: {
      'consul-kv-bench': benchVersion(),
      undici: packageVersion('undici'),
      'hdr-histogram-js': packageVersion('hdr-histogram-js'),
    },
  };
}
