// Flags shared by capture and analyze (export format and file, summary style) and the sinks they select.

import { accessSync, constants, lstatSync, realpathSync, statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { NetwatchError } from '../errors.js';
import { CsvPacketSink } from '../output/csv-packet-sink.js';
import { JsonlPacketSink } from '../output/jsonl-packet-sink.js';
import type { PacketSink } from '../output/packet-sink.js';
import { isStandardOutput } from '../output/export-file.js';

export type ExportFormat = 'csv' | 'json';
export type SummaryStyle = 'text' | 'json' | 'none';

export interface OutputArgs {
  export?: ExportFormat;
  out?: string;
  summary: SummaryStyle;
  quiet: boolean;
}

export function withOutputOptions<T>(y: Argv<T>) {
  return y
    .strict()
    .option('export', { type: 'string', choices: ['csv', 'json'] as const, describe: 'export every packet as CSV or JSON Lines' })
    .option('out', { alias: 'o', type: 'string', describe: 'export file (written whole at the end of the run; - for stdout)' })
    .option('summary', { type: 'string', choices: ['text', 'json', 'none'] as const, default: 'text' as const, describe: 'how to print the end-of-run summary' })
    .option('quiet', { alias: 'q', type: 'boolean', default: false, describe: 'no per-packet lines or progress, only the summary' });
}

/** An output file option given an empty value ("--alerts ''") is a usage error, not a file named "". */
export function checkOutputPath(flag: string, v: string | undefined, dashForStdout = true): void {
  if (v === '') throw new NetwatchError('NW_ERR_USAGE', `--${flag}: needs a file name${dashForStdout ? ' (or - for standard output)' : ''}`);
}

/** The export format from --export, or from the --out file extension when --export is not given. */
export function exportFormat(args: { export?: string; out?: string }): ExportFormat | undefined {
  checkOutputPath('out', args.out);
  if (args.export === 'csv' || args.export === 'json') return args.export;
  if (args.out === undefined) return undefined;
  if (/\.csv$/i.test(args.out)) return 'csv';
  if (/\.(json|jsonl|ndjson)$/i.test(args.out)) return 'json';
  throw new NetwatchError('NW_ERR_USAGE', `--out ${args.out}: cannot tell the format from the name; add --export csv or --export json`);
}

/**
 * Whether stdout carries data: packets (an export with no --out, or --out -), alerts (--alerts -) or
 * flows (--flows -). The summary and console lines then go to stderr.
 */
export function stdoutCarriesData(exporting: boolean, args: { out?: string; alerts?: string; flows?: string }): boolean {
  const out = (v: string | undefined): boolean => v !== undefined && isStandardOutput(v);
  return (exporting && (args.out === undefined || out(args.out))) || out(args.alerts) || out(args.flows);
}

/** Creates the export sink; with no --out the export goes to stdout. */
export function exportSink(format: ExportFormat | undefined, out: string | undefined): PacketSink | null {
  if (format === undefined) return null;
  const path = out ?? '-';
  return format === 'csv' ? new CsvPacketSink(path) : new JsonlPacketSink(path);
}

/**
 * The files a run writes, by flag: the export (when there is one), alerts, flows and the alert log, checked
 * before anything is opened. An empty name, two flags naming one file (they would overwrite each other) and
 * two streams on stdout (records of different kinds interleaved) are usage errors.
 */
export function checkOutputs(exporting: boolean, args: { out?: string; alerts?: string; flows?: string; 'alert-log'?: string }, inputs: readonly string[] = []): void {
  checkOutputPath('alerts', args.alerts);
  checkOutputPath('flows', args.flows);
  checkOutputPath('alert-log', args['alert-log'], false);
  if (args['alert-log'] === '-') {
    throw new NetwatchError('NW_ERR_USAGE', '--alert-log -: the alert log is a file appended to (for alerts on standard output use --alerts -)');
  }
  const named: [string, string][] = [];
  if (exporting) named.push(['out', args.out ?? '-']);
  for (const flag of ['alerts', 'flows', 'alert-log'] as const) {
    const v = args[flag];
    if (v !== undefined) named.push([flag, v]);
  }
  const toStdout = named.filter(([, v]) => isStandardOutput(v)).map(([f]) => `--${f}`);
  if (toStdout.length > 1) {
    throw new NetwatchError('NW_ERR_USAGE', `${toStdout.join(' and ')} ${toStdout.length === 2 ? 'both' : 'all'} write to standard output: send all but one to a file`);
  }
  const files = named.filter(([, v]) => !isStandardOutput(v));
  for (const [flag, v] of files) {
    checkOutputFile(flag, v, flag === 'alert-log' ? 'in-place' : 'replaced');
    checkNotInput(flag, v, inputs);
  }
  for (let i = 0; i < files.length; i++) {
    for (let j = i + 1; j < files.length; j++) {
      if (resolve(files[i][1]) === resolve(files[j][1])) {
        throw new NetwatchError('NW_ERR_USAGE', `--${files[i][0]} and --${files[j][0]} both name ${files[i][1]}: give each its own file`);
      }
    }
  }
}

/** The files a run reads besides its captures: the model and the config (an output naming one would replace it). */
export function inputFiles(args: { model?: string; config?: string }): string[] {
  return [args.model, args.config].filter((v): v is string => v !== undefined);
}

/** An output must not be one of the run's input files: the capture would be replaced by what was read from it. */
export function checkNotInput(flag: string, path: string, inputs: readonly string[]): void {
  let out;
  try { out = statSync(path); } catch { return; }
  if (!out.isFile()) return;
  for (const f of inputs) {
    let st;
    try { st = statSync(f); } catch { continue; }
    if (st.dev === out.dev && st.ino === out.ino) {
      throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${path}: that is the input file ${f}; writing there would replace it`);
    }
  }
}

/** A file a flag names must go in a directory that exists: a typo should be an error, not a new directory. */
export function checkParentDirectory(flag: string, path: string): void {
  const dir = dirname(resolve(path));
  let ok = false;
  try { ok = statSync(dir).isDirectory(); } catch { ok = false; }
  if (!ok) throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${path}: directory ${dir} does not exist`);
}

/**
 * A file a flag names to write: its directory exists, the name is not a directory, and the user may write
 * it as the run will: a file written beside and renamed into place (exports, a model) needs its directory
 * writable, one written where it is (the alert log, a report) the file itself, a new one its directory.
 * A device or FIFO (/dev/null) is left to the run to open. Checked before the run: a report or a model
 * found it only after all the analysis or training ("cannot write: EISDIR", exit 1).
 */
export function checkOutputFile(flag: string, path: string, writes: 'replaced' | 'in-place' = 'replaced'): void {
  checkParentDirectory(flag, path);
  let st;
  try { st = statSync(path); } catch { st = undefined; }
  if (st?.isDirectory() === true) throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${path}: is a directory; name a file`);
  if (st !== undefined && !st.isFile()) return;
  const inPlace = st !== undefined && writes === 'in-place';
  // A link is followed: the file it names is replaced, beside itself.
  const target = inPlace ? path : dirname(st !== undefined ? realpathSync(path) : resolve(path));
  try {
    accessSync(target, constants.W_OK);
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === 'EROFS' ? 'read-only file system' : 'permission denied';
    throw new NetwatchError('NW_ERR_USAGE', inPlace ? `--${flag} ${path}: cannot write it (${why})` : `--${flag} ${path}: cannot write in ${target} (${why})`);
  }
}

/**
 * A directory a flag names to write files into (made with its parents when missing) must be one, or be
 * one mkdir can make: checked before the run, which otherwise ended after the whole analysis with
 * EEXIST, ENOTDIR or ENOENT from mkdir and exit status 1.
 */
export function checkOutputDirectory(flag: string, path: string, what: string): void {
  const bad = (why: string): NetwatchError => new NetwatchError('NW_ERR_USAGE', `--${flag} ${path}: ${why}; --${flag} names a directory for ${what}`);
  const full = resolve(path);
  for (let p = full; ; p = dirname(p)) {
    let st;
    try {
      st = statSync(p);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      // Missing (so made), or under a file (ENOTDIR: that file is found further up).
      if (code !== 'ENOENT' && code !== 'ENOTDIR') return;
      let link = false;
      try { link = lstatSync(p).isSymbolicLink(); } catch { link = false; }
      if (link) throw bad(p === full ? 'a symbolic link to nothing' : `${p} is a symbolic link to nothing`);
      if (dirname(p) === p) return;
      continue;
    }
    if (st.isDirectory()) return;
    throw bad(p === full ? 'is a file' : `${p} is a file`);
  }
}
