// Two network namespaces joined by a veth pair on 10.77.x.0/24, with no default route out, made and
// removed by the test itself; traffic between them never leaves the machine.

import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

export interface NetnsPair {
  /** Namespace and interface of the sensor side (A) and the peer that makes traffic (B). */
  nsA: string;
  nsB: string;
  ifA: string;
  ifB: string;
  ipA: string;
  ipB: string;
  /** Runs a command in a namespace, bounded by timeoutMs; returns stdout. */
  exec(ns: string, cmd: string[], timeoutMs?: number): string;
  /** quiet: the output is discarded (long-running services must not block on a full pipe). */
  spawn(ns: string, cmd: string[], quiet?: boolean): ChildProcess;
  /**
   * Starts a traffic generator bounded by `seconds` (then SIGKILL) in a process group of its own, so
   * stopGenerator() ends it and everything it started: killing `timeout` alone leaves its child running.
   */
  generate(ns: string, cmd: string[], seconds: number, cwd?: string): ChildProcess;
  /** Deletes the veth pair and makes it again with the same names, addresses and MACs. */
  recreateLink(): void;
  destroy(): void;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function createNetnsPair(tag: string): NetnsPair {
  const id = `${tag}${process.pid % 100000}`;
  const subnet = 20 + (process.pid % 200);
  const pair: NetnsPair = {
    nsA: `nw-${id}-a`,
    nsB: `nw-${id}-b`,
    ifA: `nw${id}a`.slice(0, 15),
    ifB: `nw${id}b`.slice(0, 15),
    ipA: `10.77.${subnet}.1`,
    ipB: `10.77.${subnet}.2`,
    exec(ns, cmd, timeoutMs = 60_000) {
      return execFileSync('ip', ['netns', 'exec', ns, ...cmd], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    },
    spawn(ns, cmd, quiet = false) {
      return spawn('ip', ['netns', 'exec', ns, ...cmd], { stdio: quiet ? 'ignore' : ['ignore', 'pipe', 'pipe'] });
    },
    generate(ns, cmd, seconds, cwd) {
      return spawn('ip', ['netns', 'exec', ns, 'timeout', '-s', 'KILL', String(seconds), ...cmd], { stdio: 'ignore', cwd, detached: true });
    },
    recreateLink() {
      try { ip(['-n', pair.nsA, 'link', 'del', pair.ifA]); } catch { /* already gone */ }
      link();
    },
    destroy() {
      for (const ns of [pair.nsA, pair.nsB]) {
        try { ip(['netns', 'del', ns]); } catch { /* already gone */ }
      }
    },
  };
  // Fixed MACs, so a link made again is the same link to everything watching ARP.
  const macA = `02:77:${subnet.toString(16).padStart(2, '0')}:00:00:01`;
  const macB = `02:77:${subnet.toString(16).padStart(2, '0')}:00:00:02`;
  const link = (): void => {
    ip(['link', 'add', pair.ifA, 'netns', pair.nsA, 'address', macA, 'type', 'veth', 'peer', 'name', pair.ifB, 'netns', pair.nsB, 'address', macB]);
    ip(['-n', pair.nsA, 'addr', 'add', `${pair.ipA}/24`, 'dev', pair.ifA]);
    ip(['-n', pair.nsB, 'addr', 'add', `${pair.ipB}/24`, 'dev', pair.ifB]);
    for (const [ns, ifc] of [[pair.nsA, pair.ifA], [pair.nsB, pair.ifB]]) {
      ip(['-n', ns, 'link', 'set', 'lo', 'up']);
      ip(['-n', ns, 'link', 'set', ifc, 'up']);
    }
  };
  pair.destroy();
  ip(['netns', 'add', pair.nsA]);
  ip(['netns', 'add', pair.nsB]);
  try {
    link();
  } catch (e) {
    pair.destroy();
    throw e;
  }
  return pair;
}

/** Resolves with everything the child printed once it exits; rejects if it outlives timeoutMs (and kills it). */
export function waitForExit(child: ChildProcess, timeoutMs: number): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  child.stdout?.on('data', (d: Buffer) => { stdout += d.toString(); });
  child.stderr?.on('data', (d: Buffer) => { stderr += d.toString(); });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`process still running after ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('exit', (code) => {
      clearTimeout(timer);
      // Let the pipes deliver what is left.
      setImmediate(() => resolve({ code, stdout, stderr }));
    });
  });
}

/** Resolves once the child's stderr contains the pattern. */
export function waitForStderr(child: ChildProcess, pattern: RegExp, timeoutMs: number): Promise<void> {
  let seen = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no ${pattern} on stderr within ${timeoutMs} ms: ${seen}`)), timeoutMs);
    child.stderr?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (pattern.test(seen)) {
        clearTimeout(timer);
        resolve();
      }
    });
  });
}

/** Ends a generator started by NetnsPair.generate and every process in its group; harmless once it has exited. */
export function stopGenerator(child: ChildProcess): void {
  if (child.pid === undefined) return;
  try { process.kill(-child.pid, 'SIGKILL'); } catch { /* the group is gone */ }
}
