// `netwatch hosts`: every host ranked by its threat score (0-100) with the reasons; each computation is
// stored, so `--history HOST` shows how a host's score moved.

import { existsSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { defaultDbPath } from '../config/default-paths.js';
import { loadDetectionConfig } from '../config/detection-config-file.js';
import { openDatabase } from '../store/netwatch-db.js';
import { computeHostScores, scoreHistory, storeHostScores } from '../store/host-scores.js';
import { checkNumber } from './number-args.js';
import { addressArg, printRows } from './query-commands.js';
import { parseTimeArg } from './time-args.js';

interface HostsArgs { db?: string; top: number; since?: string; format: 'table' | 'json' | 'csv'; config?: string; store: boolean; decay: boolean; history?: string }

function handler(argv: ArgumentsCamelCase<HostsArgs>): void {
  checkNumber('top', argv.top, { min: 1, integer: true });
  const weights = loadDetectionConfig(argv.config).threatScore;
  const since = argv.since !== undefined ? parseTimeArg('since', argv.since) : undefined;
  const path = argv.db ?? defaultDbPath();
  if (argv.history !== undefined) {
    const host = addressArg('history', argv.history)!;
    const db = openDatabase(path, true);
    try {
      const rows = scoreHistory(db, host).map((r) => ({ ...r, time: new Date(r.ts_epoch * 1000).toISOString() }));
      if (argv.format === 'json') { for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n'); return; }
      printRows(rows, ['time', 'score', 'role', 'reasons'], argv.format);
    } finally {
      db.close();
    }
    return;
  }
  // Scores are stored in the database, but a missing one is not created: a mistyped --db made an empty
  // database and printed an empty table. Opened read-only it is refused, as by alerts and incidents.
  // A computation without decay is printed only: the stored history is of scores as the daemon computes them.
  const store = argv.store && argv.decay;
  const db = openDatabase(path, !store || !existsSync(path));
  try {
    const { at, hosts } = computeHostScores(db, weights, { since, decay: argv.decay });
    if (store && hosts.length > 0) storeHostScores(db, at, hosts);
    const top = hosts.slice(0, argv.top);
    // Without --since only the look-back before the newest alert counts: say what it left out (a database of
    // captures from different weeks listed one host and said nothing of the rest; the report says it).
    if (since === undefined && at > 0) {
      const cutoff = at - weights.lookbackDays * 86400;
      const older = db.prepare('SELECT count(*) AS n FROM alerts WHERE ts_epoch < ?').get(cutoff) as { n: number };
      if (older.n > 0) {
        process.stderr.write(`netwatch: note: ${older.n} alert${older.n === 1 ? ' is' : 's are'} older than the ${weights.lookbackDays}-day look-back ` +
          `(before ${new Date(cutoff * 1000).toISOString()}, counted from the newest alert) and not scored; --since 2000-01-01 --no-decay weighs them all\n`);
      }
    }
    const faded = top.filter((h) => h.score < 0.05).length;
    if (argv.decay && faded > 0) {
      process.stderr.write(`netwatch: note: ${faded} of these hosts score 0.0: their alerts are days older than the newest ` +
        `(${new Date(at * 1000).toISOString()}) and have decayed; --no-decay weighs every alert in full\n`);
    }
    if (argv.format === 'json') {
      for (const h of top) process.stdout.write(JSON.stringify({ ...h, as_of: new Date(at * 1000).toISOString() }) + '\n');
      return;
    }
    printRows(top.map((h, i) => ({ rank: i + 1, host: h.host, score: h.score.toFixed(1), role: h.role, alerts: h.alerts, reasons: h.reasons.join('; ') })),
      ['rank', 'host', 'score', 'role', 'alerts', 'reasons'], argv.format);
  } finally {
    db.close();
  }
}

export const hostsCommand: CommandModule<object, HostsArgs> = {
  command: 'hosts',
  describe: 'Hosts ranked by threat score (0-100: alerts by severity, count and recency, intel listings, the model), with reasons',
  builder: (y: Argv) => y
    .option('db', { type: 'string', describe: 'SQLite database (default $NETWATCH_DB or ~/.local/share/netwatch/netwatch.db)' })
    .option('top', { type: 'number', default: 10, describe: 'how many hosts to list' })
    .option('since', { type: 'string', describe: 'only alerts since (90s, 15m, 1h, 7d, or an ISO 8601 date/time, UTC unless it names a zone); default: 7 days before the newest alert' })
    .option('format', { type: 'string', choices: ['table', 'json', 'csv'] as const, default: 'table' as const, describe: 'output format' })
    .option('config', { type: 'string', describe: 'JSON config file; detection.threatScore holds the weights (docs/intel.md)' })
    .option('store', { type: 'boolean', default: true, describe: 'store this computation in the database (--no-store: only print)' })
    .option('decay', { type: 'boolean', default: true, describe: 'halve an alert\'s weight every threatScore.halfLifeHours (24) before the newest alert (--no-decay: every alert in full, for captures of different days in one database; printed, not stored)' })
    .option('history', { type: 'string', describe: 'show the stored scores of this host over time instead' })
    .example('netwatch hosts --top 5', 'where to look first')
    .example('netwatch hosts --history 10.0.0.5', 'how a host\'s score moved')
    .example('netwatch hosts --since 2000-01-01 --no-decay', 'rank the hosts of old captures analysed into one database, each alert in full')
    .epilog('Scores are relative to the newest alert in the database, so a database made from old captures scores as of their end.') as unknown as Argv<HostsArgs>,
  handler,
};
