/**
 * `consul-kv-bench provision [--browser] [--wrk]`: find or build the `consul`, `toxiproxy-server` and Go config service binaries (from the Go
 * module proxy, cached by version) and print where they are; with `--browser`, also find Chromium for the test
 * suite's browser check, installing Debian's `chromium` where it is missing; with `--wrk`, wrk for the `ceiling`
 * benchmark, installing Debian's `wrk` where it is missing.
 *
 * @module
 */
import type { Command } from 'commander';
import { wrkVersion } from '../bench/generator-ceiling.ts';
import { resolveChromium } from '../provision/chromium.ts';
import { CONSUL_VERSION, resolveConsulBinary } from '../provision/consul-binary.ts';
import { resolveGoServiceBinary } from '../provision/go-service-binary.ts';
import { resolveToxiproxyBinary, TOXIPROXY_VERSION } from '../provision/toxiproxy-binary.ts';
import { resolveWrk } from '../provision/wrk.ts';

/**
 * Provisions the binaries (and Chromium with `browser`, wrk with `wrk`), with progress lines on stderr.
 * @returns 0.
 * @throws {BenchError} `CONSUL_BINARY_UNAVAILABLE`, `CONSUL_BUILD_FAILED`, `TOXIPROXY_UNAVAILABLE`,
 *   `CHROMIUM_UNAVAILABLE`, `WRK_UNAVAILABLE`.
 */
export async function provisionCommand(flags: { browser?: boolean; wrk?: boolean }): Promise<number> {
  const onProgress = (l: string): void => void process.stderr.write(`${l}\n`);
  const consul = await resolveConsulBinary({ onProgress });
  process.stdout.write(`consul ${consul.version} (${consul.source}): ${consul.path}\n`);
  const toxiproxy = await resolveToxiproxyBinary({ onProgress });
  process.stdout.write(`toxiproxy-server ${toxiproxy.version} (${toxiproxy.source}): ${toxiproxy.path}\n`);
  const goService = await resolveGoServiceBinary({ onProgress });
  process.stdout.write(`go-config-service ${goService.version} (${goService.source}): ${goService.path}\n`);
  if (flags.browser) {
    const chromium = await resolveChromium({ install: true, onProgress });
    process.stdout.write(`${chromium.version} (${chromium.source}): ${chromium.path}\n`);
  }
  if (flags.wrk) {
    const wrk = await resolveWrk({ install: true, onProgress });
    process.stdout.write(`${(await wrkVersion(wrk.path)) ?? 'wrk'} (${wrk.source}): ${wrk.path}\n`);
  }
  return 0;
}

/** Adds `provision` to the program. */
export function registerProvision(program: Command): void {
  program
    .command('provision')
    .description(
      `find or build the consul (v${CONSUL_VERSION}), toxiproxy-server (v${TOXIPROXY_VERSION}) and Go config service (go-* rows) binaries, and print where they are`,
    )
    .option(
      '--browser',
      "also find Chromium for the test suite's browser check of report.html, installing Debian's chromium package with apt-get where it is missing (root or passwordless sudo)",
    )
    .option('--wrk', "also find wrk for the ceiling benchmark, installing Debian's wrk package where it is missing")
    .action(async (flags: { browser?: boolean; wrk?: boolean }) => {
      process.exitCode = await provisionCommand(flags);
    });
}
