// Resident memory of a child process from /proc/<pid>/status (Linux): VmRSS now and VmHWM, the
// kernel's own high-water mark, which catches peaks between samples. Elsewhere: undefined.
import { readFileSync } from 'node:fs';

export interface ProcMemory {
  /** Resident set now, MB (10^6 bytes). */
  readonly rssMb: number;
  /** Peak resident set since the process started, MB. */
  readonly peakMb: number;
}

function kbField(status: string, name: string): number | undefined {
  const match = new RegExp(`^${name}:\\s+(\\d+) kB$`, 'm').exec(status);
  return match ? Number(match[1]) : undefined;
}

export function processMemory(pid: number): ProcMemory | undefined {
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return undefined;
  }
  const rss = kbField(status, 'VmRSS');
  const hwm = kbField(status, 'VmHWM');
  if (rss === undefined || hwm === undefined) return undefined;
  return { rssMb: (rss * 1024) / 1e6, peakMb: (hwm * 1024) / 1e6 };
}

export function fmtMb(mb: number | undefined): string {
  return mb === undefined ? 'n/a' : `${mb.toFixed(0)} MB`;
}
