import { readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

/** Clock ticks per second of /proc/<pid>/stat times (USER_HZ: 100 on every Linux this runs on). */
const TICKS_PER_SECOND = 100;

interface ProcStat {
  pid: number;
  pgrp: number;
  /** utime + stime, in ticks. */
  ticks: number;
}

/** A process's stat, or one thread's (`tid`): the fields after the command name, which may itself hold spaces or parentheses. */
function readStat(pid: number, tid?: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  // fields[0] is field 3 (state): pgrp is field 5, utime 14, stime 15.
  return { pid, pgrp: Number(fields[2]), ticks: Number(fields[11]) + Number(fields[12]) };
}

/** CPU time (µs) used so far by every process of a process group (the child and what it started). */
export function groupCpuMicros(pgrp: number): number {
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat?.pgrp === pgrp) ticks += stat.ticks;
  }
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/**
 * CPU time (µs) used so far by the main threads of a process group's processes: a Node.js service's
 * event loop, without its worker and hashing threads (the group's other processes are idle launchers).
 */
export function groupMainThreadCpuMicros(pgrp: number): number {
  let ticks = 0;
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const stat = readStat(Number(name));
    if (stat?.pgrp === pgrp) ticks += readStat(stat.pid, stat.pid)?.ticks ?? 0;
  }
  return (ticks * 1_000_000) / TICKS_PER_SECOND;
}

/** CPU time (µs) used so far by each of these processes (absent ones are left out). */
function pidsCpuMicros(pids: number[]): Map<number, number> {
  const result = new Map<number, number>();
  for (const pid of pids) {
    const stat = readStat(pid);
    if (stat) result.set(pid, (stat.ticks * 1_000_000) / TICKS_PER_SECOND);
  }
  return result;
}

/**
 * CPU of the PostgreSQL backends serving one database, read from /proc (the server must run on this
 * host). Backends that start during a measurement count from zero; one that ends during it is lost,
 * which the service's pool (idle timeout 30 s) makes rare.
 */
export class DatabaseCpu {
  private constructor(private readonly client: pg.Client) {}

  static async connect(databaseUrl: string): Promise<DatabaseCpu> {
    const client = new pg.Client({ connectionString: databaseUrl, application_name: 'bench-cpu-probe' });
    await client.connect();
    return new DatabaseCpu(client);
  }

  private async backends(): Promise<number[]> {
    const result = await this.client.query<{ pid: number }>(
      `select pid from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid() and backend_type = 'client backend'`,
    );
    return result.rows.map((r) => r.pid);
  }

  /** Starts a measurement; the returned function gives the µs used since, across the database's backends. */
  async start(): Promise<() => Promise<number>> {
    const before = pidsCpuMicros(await this.backends());
    return async () => {
      const after = pidsCpuMicros(await this.backends());
      let micros = 0;
      for (const [pid, value] of after) micros += value - (before.get(pid) ?? 0);
      return micros;
    };
  }

  close(): Promise<void> {
    return this.client.end();
  }
}
