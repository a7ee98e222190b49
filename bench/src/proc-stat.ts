// CPU time and resident memory of processes, from Linux's /proc: the bench's own process, router processes and
// every RabbitMQ node's beam.smp, so each figure can be divided by the messages that cost it.
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';

/** User and system CPU of one process, in clock ticks (see `clockTicksPerSecond`). */
export interface ProcCpuTicks {
  readonly utime: number;
  readonly stime: number;
}

/**
 * Pure: fields 14 and 15 of `/proc/<pid>/stat`. The command name (field 2) is in parentheses and may itself
 * contain spaces and parentheses, so fields are counted from the last ")".
 */
export function parseProcStat(text: string): ProcCpuTicks {
  const end = text.lastIndexOf(')');
  if (end < 0) throw new Error(`not a /proc/<pid>/stat line: ${JSON.stringify(text.slice(0, 60))}`);
  // After ")": field 3 (state) is index 0, so field N is index N - 3.
  const fields = text
    .slice(end + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(fields[14 - 3]);
  const stime = Number(fields[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error('no utime/stime in /proc/<pid>/stat');
  return { utime, stime };
}

function statusKibField(status: string, field: string): number | undefined {
  const match = new RegExp(`^${field}:\\s+(\\d+)\\s+kB$`, 'm').exec(status);
  return match ? Number(match[1]) * 1024 : undefined;
}

/** Pure: `VmRSS` of `/proc/<pid>/status`, in bytes; undefined when the line is missing (a zombie). */
export function parseVmRssBytes(status: string): number | undefined {
  return statusKibField(status, 'VmRSS');
}

/** Pure: `VmHWM` of `/proc/<pid>/status`, the largest resident set the process has had, in bytes. */
export function parseVmHwmBytes(status: string): number | undefined {
  return statusKibField(status, 'VmHWM');
}

let ticksPerSecond: number | undefined;

/** `getconf CLK_TCK`: 100 on every Linux this runs on, asked once in case it is not. */
export function clockTicksPerSecond(): number {
  if (ticksPerSecond === undefined) {
    try {
      ticksPerSecond = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      ticksPerSecond = 100;
    }
  }
  return ticksPerSecond;
}

/** CPU seconds (user + system) a process has used so far; 0 for a process that is gone. */
export function processCpuSeconds(pid: number): number {
  if (pid === process.pid) {
    const { user, system } = process.cpuUsage();
    return (user + system) / 1e6;
  }
  try {
    const { utime, stime } = parseProcStat(readFileSync(`/proc/${pid}/stat`, 'utf8'));
    return (utime + stime) / clockTicksPerSecond();
  } catch {
    return 0;
  }
}

export function residentBytes(pid: number): number {
  try {
    return parseVmRssBytes(readFileSync(`/proc/${pid}/status`, 'utf8')) ?? 0;
  } catch {
    return 0;
  }
}

export function openDescriptors(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** Soft "Max open files" of a process, from /proc/<pid>/limits. */
export function descriptorLimit(pid: number): number | undefined {
  try {
    const match = /^Max open files\s+(\d+)/m.exec(readFileSync(`/proc/${pid}/limits`, 'utf8'));
    return match ? Number(match[1]) : undefined;
  } catch {
    return undefined;
  }
}

/** Busy and total CPU time of the whole machine, in clock ticks summed over all cores. */
export interface MachineCpuTicks {
  readonly busy: number;
  readonly total: number;
}

/**
 * Pure: the aggregate `cpu` line of `/proc/stat` (user nice system idle iowait irq softirq steal …). Busy is
 * everything but idle and iowait; guest time is already inside user.
 */
export function parseMachineCpu(procStat: string): MachineCpuTicks {
  const line = procStat.split('\n').find((l) => l.startsWith('cpu '));
  if (!line) throw new Error('no aggregate cpu line in /proc/stat');
  const [user = 0, nice = 0, system = 0, idle = 0, iowait = 0, irq = 0, softirq = 0, steal = 0] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user + nice + system + irq + softirq + steal;
  return { busy, total: busy + idle + iowait };
}

function machineCpu(): MachineCpuTicks | undefined {
  try {
    return parseMachineCpu(readFileSync('/proc/stat', 'utf8'));
  } catch {
    return undefined;
  }
}

/** A group of processes whose CPU is counted together, e.g. "broker" = every beam.smp of the fleet. */
export interface CpuGroup {
  readonly label: string;
  readonly pids: () => readonly number[];
}

export interface CpuReading {
  /** CPU seconds per group. */
  readonly byGroup: Record<string, number>;
  /**
   * Share of the machine's CPU capacity that processes outside the groups used meanwhile (other people's tests on a
   * shared machine): the noise each figure was measured under. NaN where /proc/stat cannot be read.
   */
  readonly otherShare: number;
}

/** CPU per group, and the rest of the machine's load, between this call and the returned function's call. */
export function startCpuMeter(groups: readonly CpuGroup[]): () => CpuReading {
  const at = (pids: readonly number[]) => new Map(pids.map((pid) => [pid, processCpuSeconds(pid)]));
  const before = groups.map((g) => at(g.pids()));
  const machineBefore = machineCpu();
  return () => {
    const byGroup: Record<string, number> = {};
    groups.forEach((g, i) => {
      // Start processes before the meter: one that appears later counts from 0 (its start-up included), and one
      // that exits during the run drops out (its share is lost rather than made negative).
      byGroup[g.label] = g.pids().reduce((sum, pid) => sum + Math.max(0, processCpuSeconds(pid) - (before[i]!.get(pid) ?? 0)), 0);
    });
    const machineAfter = machineCpu();
    let otherShare = Number.NaN;
    if (machineBefore && machineAfter && machineAfter.total > machineBefore.total) {
      const ticks = clockTicksPerSecond();
      const ours = Object.values(byGroup).reduce((a, b) => a + b, 0) * ticks;
      otherShare = Math.max(0, machineAfter.busy - machineBefore.busy - ours) / (machineAfter.total - machineBefore.total);
    }
    return { byGroup, otherShare };
  };
}
