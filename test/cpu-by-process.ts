/**
 * Where the test suite's CPU goes, by kind of process: `npm run test:cpu` runs `vitest run` (or the command given
 * after `--`) while it samples every process's CPU time from Linux's `/proc/<pid>/stat` once a second, then prints
 * the CPU-seconds of each kind (the config service under test, the CLI and its load generator, Consul, Toxiproxy,
 * the Go service, Chromium, vitest's workers…) for the whole run and for each test file's window (from vitest's
 * JSON results, `.vitest-artifacts/results.json`). The samples stay in `.vitest-artifacts/cpu-samples.jsonl`.
 *
 * What it misses: a process that starts and ends between two samples, and a process's last second (its CPU is
 * in the machine's busy total, `/proc/stat`, which the tables print beside the attributed sum). The sampler itself
 * costs about 1% of a core (it is a process of its own, `cpu-by-process`, in the tables). Linux only.
 *
 * @module
 */
import { appendFileSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { markdownTable } from 'markdown-table';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const ARTIFACTS = path.join(ROOT, '.vitest-artifacts');
const SAMPLES = path.join(ARTIFACTS, 'cpu-samples.jsonl');
/** Linux's clock ticks a second (`getconf CLK_TCK`), the unit of `/proc` CPU times. */
const HZ = 100;

/** Kinds of process, first match of the command line wins. */
const KINDS: ReadonlyArray<readonly [string, RegExp]> = [
  ['consul', /\/consul agent /],
  ['toxiproxy', /toxiproxy-server/],
  ['go-service', /go-config-service/],
  ['chromium', /chrom/],
  ['config service (Node)', /config-service\.[jt]s/],
  ['cpu-by-process', /cpu-by-process/],
  ['vitest', /vitest/],
  ['CLI and generator', /harness\/bin\.[jt]s|consul-kv-bench|open-load-worker/],
  ['npm', /\bnpm\b|npx/],
  ['tsc', /typescript|\btsc\b/],
];

/** One second's CPU: the machine's busy ticks and each kind's. */
interface Sample {
  readonly t: number;
  readonly busy: number;
  readonly by: Record<string, number>;
}

const kindOf = (cmd: string): string => KINDS.find(([, re]) => re.test(cmd))?.[0] ?? 'other';

/** Samples every process's CPU ticks since the sample before (a new process: all of them). */
function sampler(): () => Sample {
  const seen = new Map<string, number>();
  let busyBefore = -1;
  return () => {
    const by: Record<string, number> = {};
    for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
      let stat: string;
      let cmd: string;
      try {
        stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replaceAll('\0', ' ');
      } catch {
        continue; // it ended
      }
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      const ticks = Number(f[11]) + Number(f[12]); // utime + stime
      const key = `${pid}:${f[19]}`; // pid and start time: a reused pid is another process
      const d = ticks - (seen.get(key) ?? 0);
      seen.set(key, ticks);
      if (d > 0) by[kindOf(cmd)] = (by[kindOf(cmd)] ?? 0) + d;
    }
    const cpu = readFileSync('/proc/stat', 'utf8').split('\n')[0]!.split(/\s+/).slice(1).map(Number);
    const busy = cpu[0]! + cpu[1]! + cpu[2]! + cpu[5]! + cpu[6]! + cpu[7]!; // all but idle and iowait
    const sample = { t: Date.now(), busy: busyBefore < 0 ? 0 : busy - busyBefore, by };
    busyBefore = busy;
    return sample;
  };
}

/** One table row: a window's wall seconds, busy CPU-seconds and each kind's, largest first. */
function row(label: string, samples: readonly Sample[], wallS: number): string[] {
  const by: Record<string, number> = {};
  let busy = 0;
  for (const s of samples) {
    busy += s.busy;
    for (const [k, v] of Object.entries(s.by)) by[k] = (by[k] ?? 0) + v;
  }
  const kinds = Object.entries(by)
    .filter(([, v]) => v >= HZ)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${Math.round(v / HZ)}`)
    .join(', ');
  return [
    label,
    wallS.toFixed(0),
    Math.round(busy / HZ).toString(),
    (busy / HZ / Math.max(wallS, 1)).toFixed(2),
    kinds,
  ];
}

const args = process.argv.slice(2);
const command = args.length > 0 ? args : ['vitest', 'run'];
mkdirSync(ARTIFACTS, { recursive: true });
rmSync(SAMPLES, { force: true });
const take = sampler();
take(); // the baseline: what every process had used before the run
const timer = setInterval(() => appendFileSync(SAMPLES, `${JSON.stringify(take())}\n`), 1000);
const started = Date.now();
const run = await execa(command[0]!, command.slice(1), {
  cwd: ROOT,
  stdio: 'inherit',
  reject: false,
  preferLocal: true,
});
clearInterval(timer);
appendFileSync(SAMPLES, `${JSON.stringify(take())}\n`);

const samples = readFileSync(SAMPLES, 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Sample);
const rows = [row('the whole run', samples, (Date.now() - started) / 1000)];
try {
  const results = JSON.parse(readFileSync(path.join(ARTIFACTS, 'results.json'), 'utf8')) as {
    testResults: { name: string; startTime: number; endTime: number }[];
  };
  for (const f of [...results.testResults].sort((a, b) => b.endTime - b.startTime - (a.endTime - a.startTime))) {
    if (f.startTime < started) continue; // an older run's results
    const within = samples.filter((s) => s.t > f.startTime && s.t <= f.endTime + 1000);
    rows.push(row(`\`${path.relative(ROOT, f.name)}\``, within, (f.endTime - f.startTime) / 1000));
  }
} catch {
  // no vitest results: the whole run only
}
process.stdout.write(
  `\nCPU by kind of process (CPU-seconds; files side by side share their windows' CPU; samples: ${path.relative(ROOT, SAMPLES)})\n\n` +
    `${markdownTable([['window', 'wall s', 'busy CPU-s', 'cores', 'by kind, CPU-s'], ...rows], { align: ['l', 'r', 'r', 'r', 'l'] })}\n`,
);
process.exitCode = run.exitCode ?? 1;
