// `netwatch alerts`, `incidents` and `stats`: read the database (read-only), filter, print as a table, JSON or CSV.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { defaultDbPath } from '../config/default-paths.js';
import { NetwatchError } from '../errors.js';
import { queryAlerts, queryIncidents, queryStats, type QueryFilter } from '../store/queries.js';
import { openDatabase } from '../store/netwatch-db.js';
import { checkNumber } from './number-args.js';
import { csvField } from '../output/csv-field.js';
import { parseTimeRange } from './time-args.js';
import { SEVERITY_NAMES, SIGNATURES, parseSeverity } from '../alert/signatures.js';
import { canonicalAddress } from '../track/address-parse.js';

interface QueryArgs {
  db?: string;
  since?: string;
  until?: string;
  severity?: string;
  detector?: string;
  src?: string;
  dst?: string;
  limit: number;
  format: 'table' | 'json' | 'csv';
}

const SEVERITY_NAME = ['', ...SEVERITY_NAMES];

function filterFrom(a: QueryArgs): QueryFilter {
  checkNumber('limit', a.limit, { min: 1, max: 1_000_000, integer: true });
  let severity: number | undefined;
  if (a.severity !== undefined) {
    severity = parseSeverity(a.severity);
    if (severity === undefined) throw new NetwatchError('NW_ERR_USAGE', `--severity ${a.severity}: use high, medium or low (or 1, 2, 3)`);
  }
  if (a.detector !== undefined && !Object.hasOwn(SIGNATURES, a.detector)) {
    throw new NetwatchError('NW_ERR_USAGE', `--detector ${a.detector}: unknown (known: ${Object.keys(SIGNATURES).join(', ')})`);
  }
  return {
    ...parseTimeRange(a.since, a.until),
    severity, detector: a.detector, src: addressArg('src', a.src), dst: addressArg('dst', a.dst), limit: a.limit,
  };
}

/**
 * The rows to print: the query asks for one more than --limit, so a cut list says so on stderr instead
 * of passing for all there is (100 rows looked like the whole table).
 */
function shown<T>(rows: T[], limit: number, what: string): T[] {
  if (rows.length <= limit) return rows;
  process.stderr.write(`netwatch: note: the newest ${limit} ${what} shown; more match (--limit N shows more)\n`);
  return rows.slice(0, limit);
}

/** An address as the database writes it (2001:DB8:1:0:0:0:0:2 finds 2001:db8:1::2); a usage error otherwise. */
export function addressArg(flag: string, v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const a = canonicalAddress(v);
  if (a === null) throw new NetwatchError('NW_ERR_USAGE', `--${flag} ${v}: not an IP address${v.includes('/') ? ' (give one address; prefixes are not supported)' : ''}`);
  return a;
}

export function printRows(rows: Record<string, unknown>[], columns: string[], format: 'table' | 'csv'): void {
  if (format === 'csv') {
    process.stdout.write([columns.join(','), ...rows.map((r) => columns.map((c) => csvField(r[c])).join(','))].join('\n') + '\n');
    return;
  }
  const cells = rows.map((r) => columns.map((c) => (r[c] === null || r[c] === undefined ? '' : String(r[c]))));
  const widths = columns.map((c, i) => Math.min(60, Math.max(c.length, ...cells.map((row) => row[i].length))));
  const line = (vals: string[]) => vals.map((v, i) => (i === vals.length - 1 ? v : v.slice(0, widths[i]).padEnd(widths[i]))).join('  ');
  process.stdout.write([line(columns), ...cells.map(line)].join('\n') + '\n');
}

function withQueryOptions(y: Argv) {
  return y
    .strict()
    .option('db', { type: 'string', describe: 'SQLite database (default $NETWATCH_DB or ~/.local/share/netwatch/netwatch.db)' })
    .option('since', { type: 'string', describe: 'from this long ago (30m, 1h, 7d) or this date/time (ISO 8601, UTC unless it names a zone)' })
    .option('until', { type: 'string', describe: 'up to this long ago or this date/time' })
    .option('limit', { type: 'number', default: 100, describe: 'at most this many rows, newest first' })
    .option('format', { type: 'string', choices: ['table', 'json', 'csv'] as const, default: 'table' as const, describe: 'output format' });
}

/** Alerts and incidents name detectors and hosts; per-minute statistics do not. */
function withHostFilters(y: Argv) {
  return withQueryOptions(y)
    .option('detector', { type: 'string', describe: `only this detector (${Object.keys(SIGNATURES).slice(0, 3).join(', ')}, ...)` })
    .option('src', { type: 'string', describe: 'only this source address' })
    .option('dst', { type: 'string', describe: 'only this destination address' })
    .option('severity', { type: 'string', describe: 'at least this severe: high, medium, low' });
}

export const alertsCommand: CommandModule<object, QueryArgs> = {
  command: 'alerts',
  describe: 'Query the alert table',
  builder: (y: Argv) => withHostFilters(y)
    .example('netwatch alerts --since 1h --severity high', 'high-severity alerts of the last hour')
    .example('netwatch alerts --detector port_scan --src 10.0.0.5 --format json', 'EVE JSON lines, one per alert')
    .example("netwatch alerts --since 2024-05-01T00:00:00Z --format csv > alerts.csv", 'a time range as CSV') as unknown as Argv<QueryArgs>,
  handler: (argv: ArgumentsCamelCase<QueryArgs>) => {
    const filter = filterFrom(argv);
    const db = openDatabase(argv.db ?? defaultDbPath(), true);
    try {
      const rows = shown(queryAlerts(db, { ...filter, limit: filter.limit + 1 }), filter.limit, 'alerts');
      if (argv.format === 'json') {
        process.stdout.write(rows.map((r) => r.eve + '\n').join(''));
        return;
      }
      printRows(rows.map((r) => ({ ...r, severity: SEVERITY_NAME[r.severity] ?? r.severity })) as unknown as Record<string, unknown>[],
        ['timestamp', 'severity', 'detector', 'src_ip', 'src_port', 'dest_ip', 'dest_port', 'proto', 'signature_id', 'run_id', 'incident_id', 'signature'], argv.format);
    } finally {
      db.close();
    }
  },
};

export const incidentsCommand: CommandModule<object, QueryArgs> = {
  command: 'incidents',
  describe: 'Query incidents (repeated alerts folded together)',
  builder: (y: Argv) => withHostFilters(y)
    .example('netwatch incidents --since 24h', 'incidents active in the last day (begun earlier or still going included)')
    .example('netwatch incidents --severity high', 'high-severity incidents (an incident has its detector\'s severity)')
    .example('netwatch incidents --detector brute_force --format csv', 'brute-force incidents as CSV') as unknown as Argv<QueryArgs>,
  handler: (argv: ArgumentsCamelCase<QueryArgs>) => {
    const filter = filterFrom(argv);
    const db = openDatabase(argv.db ?? defaultDbPath(), true);
    try {
      const rows = shown(queryIncidents(db, { ...filter, limit: filter.limit + 1 }), filter.limit, 'incidents');
      if (argv.format === 'json') {
        process.stdout.write(rows.map((r) => JSON.stringify(r) + '\n').join(''));
        return;
      }
      printRows(rows.map((r) => ({ ...r, severity: SEVERITY_NAME[r.severity] ?? r.severity })) as unknown as Record<string, unknown>[],
        ['id', 'run_id', 'run_incident', 'severity', 'detector', 'src_ip', 'dest_ip', 'first_seen', 'last_seen', 'count', 'alerts', 'peak_score', 'peak_detail'], argv.format);
    } finally {
      db.close();
    }
  },
};

export const statsCommand: CommandModule<object, QueryArgs> = {
  command: 'stats',
  describe: 'Per-minute traffic statistics from the database',
  builder: (y: Argv) => withQueryOptions(y)
    .example('netwatch stats --since 1h', 'the last hour, minute by minute')
    .example('netwatch stats --format csv --limit 1440 > day.csv', 'a day of minutes as CSV')
    .epilog('avg_pps is the minute\'s packets / 60 (a burst of a few milliseconds reads low); distinct_hosts counts the ' +
      'addresses that sent IP packets that minute (not those that only received), a linear-counting estimate within a ' +
      'few per cent up to a few hundred thousand sources a minute.') as unknown as Argv<QueryArgs>,
  handler: (argv: ArgumentsCamelCase<QueryArgs>) => {
    const filter = filterFrom(argv);
    const db = openDatabase(argv.db ?? defaultDbPath(), true);
    try {
      const rows = shown(queryStats(db, { ...filter, limit: filter.limit + 1 }), filter.limit, 'minutes').map((r) => {
        const top = (JSON.parse(r.top_talkers) as { address: string; bytes: number }[])[0];
        return { ...r, avg_pps: Math.round(r.packets / 60), top_talker: top ? `${top.address} (${top.bytes} B)` : '' };
      });
      if (argv.format === 'json') {
        process.stdout.write(rows.map((r) => JSON.stringify({ ...r, top_talkers: JSON.parse(r.top_talkers) as unknown }) + '\n').join(''));
        return;
      }
      printRows(rows as unknown as Record<string, unknown>[],
        ['minute', 'run_id', 'packets', 'avg_pps', 'bytes', 'tcp', 'udp', 'icmp', 'arp', 'other', 'distinct_hosts', 'ring_drops', 'kernel_drops', 'top_talker'], argv.format);
    } finally {
      db.close();
    }
  },
};
