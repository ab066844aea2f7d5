/**
 * Samples a process's CPU time and resident memory from `/proc/<pid>/stat` and `/proc/<pid>/status` (Linux).
 * @module
 */
import { readFileSync } from 'node:fs';

// USER_HZ is 100 on every Linux architecture Node supports; /proc reports CPU times in these ticks.
const TICKS_PER_SECOND = 100;

/** One reading. */
export interface ProcSample {
  /** User + system CPU time, in seconds. */
  cpuSeconds: number;
  /** Resident set size, in bytes. */
  rssBytes: number;
}

/** Reads the process once; `undefined` when it is gone or /proc is unavailable. */
export function readProc(pid: number): ProcSample | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces; the fields after its closing parenthesis are fixed.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const rssKb = Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0);
    return { cpuSeconds: (utime + stime) / TICKS_PER_SECOND, rssBytes: rssKb * 1024 };
  } catch {
    return undefined;
  }
}

/**
 * Reads several processes that serve together (nginx workers, hub nodes) as one: CPU and RSS summed;
 * `undefined` when any of them is gone, so a sum never silently leaves one out.
 */
export function readProcs(pids: readonly number[]): ProcSample | undefined {
  let cpuSeconds = 0;
  let rssBytes = 0;
  for (const pid of pids) {
    const sample = readProc(pid);
    if (sample === undefined) return undefined;
    cpuSeconds += sample.cpuSeconds;
    rssBytes += sample.rssBytes;
  }
  return { cpuSeconds, rssBytes };
}

/** Samples every `intervalMs` and keeps the peak RSS (of the processes summed). */
export class ProcSampler {
  readonly #pids: readonly number[];
  readonly #timer: NodeJS.Timeout;
  #peakRssBytes = 0;

  constructor(pids: readonly number[], intervalMs = 250) {
    this.#pids = pids;
    this.#timer = setInterval(() => this.sample(), intervalMs);
    this.#timer.unref();
  }

  /** Takes a reading now (also updating the peak). */
  sample(): ProcSample | undefined {
    const s = readProcs(this.#pids);
    if (s && s.rssBytes > this.#peakRssBytes) this.#peakRssBytes = s.rssBytes;
    return s;
  }

  get peakRssBytes(): number {
    return this.#peakRssBytes;
  }

  stop(): void {
    clearInterval(this.#timer);
  }
}
