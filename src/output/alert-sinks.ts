// Where alerts go: a fast.log-style line on the terminal, a JSON Lines export, the alert log an operator
// tails (pino's destination, appended and synchronous so a reported alert is on disk), and a collector
// for the end-of-run listing.

import { pino } from 'pino';
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

export class AlertLogSink implements AlertSink {
  private readonly dest: ReturnType<typeof pino.destination>;
  readonly path: string;
  /**
   * Writes that failed (a full disk, a file system gone read-only): counted and the run goes on, detection
   * and the database included; the owner reports them. The destination keeps what it could not write and
   * writes it with the next alert once there is room, up to MAX_PENDING bytes; alerts beyond that are dropped
   * and counted.
   */
  writeErrors = 0;
  lastWriteError = '';
  dropped = 0;
  /** The last write failed: what the destination still holds would be retried for ever by flushSync. */
  private failing = false;
  /** At close the disk still refused the log: the alerts held in memory were not written. */
  lostAtClose = false;
  constructor(path: string) {
    this.path = path;
    try {
      this.dest = pino.destination({ dest: path, sync: true, append: true, mkdir: true, maxLength: MAX_PENDING });
      this.dest.on('drop', () => { this.dropped++; });
    } catch (e) {
      throw new NetwatchError('NW_ERR_OUTPUT', `${path}: cannot open the alert log: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
  }
  alert(_a: EveAlert, json: string): void {
    try {
      this.dest.write(json + '\n');
      this.failing = false;
    } catch (e) {
      this.failing = true;
      this.writeErrors++;
      this.lastWriteError = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    }
  }
  /** After logrotate moved the file: start a new one under the same name. */
  reopen(): void {
    this.dest.reopen();
  }
  close(): void {
    // sonic-boom's flushSync retries any failed write every 100 ms for ever (only EAGAIN is bounded), so a
    // full disk at shutdown hung the process: while the last write failed, what is held is given up.
    if (this.failing) {
      this.lostAtClose = true;
      this.dest.destroy();
      return;
    }
    this.dest.flushSync();
    this.dest.end();
  }
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
