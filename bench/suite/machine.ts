/**
 * What the report says about the machine and the versions measured, read once at the start of a run.
 * @module
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, loadavg, release, totalmem } from 'node:os';

export interface Machine {
  cpu: string;
  cores: number;
  memoryGiB: number;
  kernel: string;
  node: string;
  nginx: string;
  nchan: string;
  betterSse: string;
  hotline: string;
  /** `git rev-parse --short HEAD`, with `-dirty` when the tree had changes. */
  gitSha: string;
  /** Open-file limit (soft/hard) the servers inherit. */
  openFiles: string;
  /** 1-minute load average when the run started: other work on the machine skews absolute numbers. */
  loadAverage: number;
}

function run(command: string, args: string[]): string {
  // nginx -v prints to stderr: keep both streams.
  const result = spawnSync(command, args, { encoding: 'utf8' });
  return `${result.stdout ?? ''}${result.stderr ?? ''}`.trim();
}

function packageVersion(path: string): string {
  try {
    return (JSON.parse(readFileSync(path, 'utf8')) as { version: string }).version;
  } catch {
    return 'unknown';
  }
}

export function describeMachine(): Machine {
  const nginx = /nginx\/(\S+)/.exec(run('/usr/sbin/nginx', ['-v']))?.[1] ?? 'not installed';
  const dirty = run('git', ['status', '--porcelain', '--untracked-files=no']) !== '';
  return {
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGiB: Math.round(totalmem() / 2 ** 30),
    kernel: release(),
    node: process.version,
    nginx,
    nchan: run('dpkg-query', ['-W', '-f', '\x24{Version}', 'libnginx-mod-nchan']) || 'not installed',
    betterSse: packageVersion('node_modules/better-sse/package.json'),
    hotline: packageVersion('package.json'),
    gitSha: `${run('git', ['rev-parse', '--short', 'HEAD'])}${dirty ? '-dirty' : ''}`,
    openFiles: run('bash', ['-c', 'echo "$(ulimit -Sn)/$(ulimit -Hn)"']),
    loadAverage: Math.round((loadavg()[0] ?? 0) * 100) / 100,
  };
}
