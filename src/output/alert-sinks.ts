// Where alerts go: a fast.log-style line on the terminal, a JSON Lines export, the alert log an operator
// tails (appended and synchronous so a reported alert is on disk; held while the disk refuses), and a collector
// for the end-of-run listing.

import { closeSync, fstatSync, ftruncateSync, mkdirSync, openSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AlertSink } from '../alert/alert-hub.js';
import type { EveAlert } from '../alert/eve-alert.js';
import { NetwatchError } from '../errors.js';
import { ExportFile } from './export-file.js';

function endpoint(ip: string, port: number | undefined): string {
  if (port === undefined) return ip;
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Suricata fast.log form: time [**] [gid:sid:rev] signature [**] [Classification] [Priority] {proto} src -> dst */
export function alertLine(a: EveAlert): string {
  return `${a.timestamp}  [**] [1:${a.alert.signature_id}:1] ${a.alert.signature} [**] [Classification: ${a.alert.category}] ` +
    `[Priority: ${a.alert.severity}] {${a.proto}} ${endpoint(a.src_ip, a.src_port)} -> ${endpoint(a.dest_ip, a.dest_port)}`;
}

export class ConsoleAlertSink implements AlertSink {
  private readonly out: NodeJS.WriteStream;
  constructor(out: NodeJS.WriteStream) {
    this.out = out;
  }
  alert(a: EveAlert): void {
    this.out.write(alertLine(a) + '\n');
  }
}

export class JsonlAlertSink implements AlertSink {
  private readonly file: ExportFile;
  constructor(path: string) {
    this.file = new ExportFile(path);
  }
  alert(_a: EveAlert, json: string): void {
    this.file.write(json + '\n');
  }
  finish(): void { this.file.commit(); }
  abort(): void { this.file.abort(); }
}

/** Alert log bytes held in memory while the disk refuses them. */
const MAX_PENDING = 16 * 1024 * 1024;

/**
 * The alert log an operator tails: each alert appended and written before the next packet (synchronous),
 * so a reported alert is on disk. Written with fs directly rather than pino's destination (sonic-boom):
 * on a full disk its flushSync retried a failed write every 100 ms for ever (only EAGAIN is bounded),
 * hanging the process at close, and past its maxLength it dropped every later line even once there was
 * room again. Here what the disk refuses is held (up to MAX_PENDING bytes, then dropped and counted) and
 * written, in order, with the next alert or reopen; at close one last try, then what is left is given up.
 */
export class AlertLogSink implements AlertSink {
  readonly path: string;
  /** Write attempts the disk refused (a full disk, a file system gone read-only); the run goes on. */
  writeErrors = 0;
  lastWriteError = '';
  /** Alerts not kept because MAX_PENDING bytes were already waiting. */
  dropped = 0;
  /** At close the disk still refused the log: the alerts held in memory were not written. */
  lostAtClose = false;
  private fd: number;
  /** Lines not yet on disk, oldest first, and their bytes. */
  private readonly pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(path: string) {
    this.path = path;
    try {
      this.fd = openLog(path);
    } catch (e) {
      throw new NetwatchError('NW_ERR_OUTPUT', `${path}: cannot open the alert log: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }

  alert(_a: EveAlert, json: string): void {
    const line = Buffer.from(json + '\n');
    if (this.pendingBytes + line.length > MAX_PENDING) this.dropped++;
    else {
      this.pending.push(line);
      this.pendingBytes += line.length;
    }
    this.drain();
  }

  /** Alerts held because the disk refused them. */
  get held(): number {
    return this.pending.length;
  }

  /** After logrotate moved the file: start a new one under the same name (what is held goes there). */
  reopen(): void {
    try {
      const fd = openLog(this.path);
      closeSync(this.fd);
      this.fd = fd;
    } catch (e) {
      this.failed(e);
      return;
    }
    this.drain();
  }

  close(): void {
    this.drain();
    this.lostAtClose = this.pending.length > 0;
    closeSync(this.fd);
  }

  /** Writes what is held, in order, until it is all written or the disk refuses. */
  private drain(): void {
    while (this.pending.length > 0) {
      const b = this.pending[0];
      let n: number;
      try {
        n = writeSync(this.fd, b);
      } catch (e) {
        this.failed(e);
        return;
      }
      if (n < b.length) {
        // Part of a line (the disk filled during it): cut it off again, so the line is written whole later
        // and never split across a rotation, and stop here.
        try {
          ftruncateSync(this.fd, fstatSync(this.fd).size - n);
        } catch {
          // The part stays on disk: the rest is what waits.
          this.pending[0] = b.subarray(n);
          this.pendingBytes -= n;
        }
        this.failed(Object.assign(new Error('short write'), { code: 'ENOSPC' }));
        return;
      }
      this.pendingBytes -= n;
      this.pending.shift();
    }
  }

  private failed(e: unknown): void {
    this.writeErrors++;
    this.lastWriteError = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
  }
}

function openLog(path: string): number {
  mkdirSync(dirname(path), { recursive: true });
  return openSync(path, 'a');
}

/** Keeps the first alerts for the end-of-run listing; counts the rest. */
export class AlertCollector implements AlertSink {
  readonly alerts: EveAlert[] = [];
  omitted = 0;
  constructor(private readonly limit = 10000) {}
  alert(a: EveAlert): void {
    if (this.alerts.length < this.limit) this.alerts.push(a);
    else this.omitted++;
  }
}
