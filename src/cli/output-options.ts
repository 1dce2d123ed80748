// Flags shared by capture and analyze (export format and file, summary style) and the sinks they select.

import type { Argv } from 'yargs';
import { NetwatchError } from '../errors.js';
import { CsvPacketSink } from '../output/csv-packet-sink.js';
import { JsonlPacketSink } from '../output/jsonl-packet-sink.js';
import type { PacketSink } from '../output/packet-sink.js';

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
  return (exporting && (args.out === undefined || args.out === '-')) || args.alerts === '-' || args.flows === '-';
}

/** Creates the export sink; with no --out the export goes to stdout. */
export function exportSink(format: ExportFormat | undefined, out: string | undefined): PacketSink | null {
  if (format === undefined) return null;
  const path = out ?? '-';
  return format === 'csv' ? new CsvPacketSink(path) : new JsonlPacketSink(path);
}
