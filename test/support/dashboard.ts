// Starts `netwatch serve` as a child process for the dashboard tests (optionally inside a network
// namespace), waits for the address it printed, and stops it with SIGTERM, checking that it exits cleanly.

import { spawn, type ChildProcess } from 'node:child_process';
import assert from 'node:assert/strict';
import { CLI } from './corpus.js';
import { waitForExit } from './netns.js';

export interface Serve {
  url: string;
  child: ChildProcess;
  stderr(): string;
  /** SIGTERM; resolves with the exit code and everything printed. */
  stop(): Promise<{ code: number | null; stderr: string }>;
}

export async function startServe(args: string[], opts: { netns?: string; env?: Record<string, string> } = {}): Promise<Serve> {
  const argv = [CLI, 'serve', ...args];
  const child = opts.netns !== undefined
    ? spawn('ip', ['netns', 'exec', opts.netns, process.execPath, ...argv], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } })
    : spawn(process.execPath, argv, { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...opts.env } });
  let err = '';
  child.stderr?.on('data', (d: Buffer) => { err += d.toString(); });
  const exited = waitForExit(child, 600_000);
  exited.catch(() => undefined);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => { child.kill('SIGKILL'); reject(new Error(`serve did not start within 15 s: ${err}`)); }, 15_000);
    const check = (): void => {
      const m = /dashboard on (http:\/\/\S+\/)/.exec(err);
      if (m) { clearTimeout(timer); resolve(m[1]); }
    };
    child.stderr?.on('data', check);
    child.on('exit', (code) => { clearTimeout(timer); reject(new Error(`serve exited with ${code}: ${err}`)); });
  });
  let stopped: Promise<{ code: number | null; stderr: string }> | null = null;
  return {
    url,
    child,
    stderr: () => err,
    stop: () => {
      stopped ??= (async () => {
        child.kill('SIGTERM');
        const r = await exited;
        return { code: r.code, stderr: err };
      })();
      return stopped;
    },
  };
}

/** Stops a server and asserts it closed cleanly (exit 0 after SIGTERM). */
export async function stopServe(s: Serve | undefined): Promise<void> {
  if (s === undefined) return;
  const r = await s.stop();
  assert.equal(r.code, 0, r.stderr);
}
