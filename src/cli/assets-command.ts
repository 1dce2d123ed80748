// `netwatch assets import scan.xml` (nmap -oX output into the assets table) and `netwatch assets` (list).

import { readFileSync } from 'node:fs';
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { defaultDbPath } from '../config/default-paths.js';
import { fileErrorText, NetwatchError } from '../errors.js';
import { parseNmapXml } from '../intel/nmap-xml.js';
import { importScan, listAssets } from '../store/asset-store.js';
import { openDatabase } from '../store/netwatch-db.js';
import { printRows } from './query-commands.js';

interface AssetsArgs { files?: string[]; db?: string; format: 'table' | 'json' | 'csv' }

function importHandler(argv: ArgumentsCamelCase<AssetsArgs>): void {
  const files = argv.files ?? [];
  if (files.length === 0) throw new NetwatchError('NW_ERR_USAGE', 'assets import: name at least one nmap XML file (nmap -oX FILE ...)');
  const scans = files.map((f) => {
    let text: string;
    try {
      text = readFileSync(f, 'utf8');
    } catch (e) {
      throw new NetwatchError('NW_ERR_FILE_OPEN', `${f}: cannot open: ${fileErrorText(e)}`);
    }
    try {
      return { f, scan: parseNmapXml(text) };
    } catch (e) {
      throw new NetwatchError('NW_ERR_FILE_FORMAT', `${f}: ${(e as Error).message}`);
    }
  });
  const db = openDatabase(argv.db ?? defaultDbPath(), false);
  try {
    for (const { f, scan } of scans) {
      const r = importScan(db, scan, f);
      process.stdout.write(`${f}: ${r.hosts} hosts, ${r.services} ports (${r.open} open) imported, scan of ${new Date(scan.startedEpoch * 1000).toISOString()}\n`);
    }
  } finally {
    db.close();
  }
}

function listHandler(argv: ArgumentsCamelCase<AssetsArgs>): void {
  const db = openDatabase(argv.db ?? defaultDbPath(), true);
  try {
    const rows = listAssets(db);
    if (argv.format === 'json') {
      for (const r of rows) process.stdout.write(JSON.stringify(r) + '\n');
      return;
    }
    printRows(rows as unknown as Record<string, unknown>[], ['address', 'hostnames', 'os', 'scanned_at', 'open'], argv.format);
  } finally {
    db.close();
  }
}

const dbOption = (y: Argv) => y.option('db', { type: 'string', describe: 'SQLite database (default $NETWATCH_DB or ~/.local/share/netwatch/netwatch.db)' });

export const assetsCommand: CommandModule<object, AssetsArgs> = {
  command: 'assets',
  describe: 'Hosts and services a network scanner found (import nmap XML, list them)',
  builder: (y: Argv) => dbOption(y)
    .command({
      command: 'import [files..]',
      describe: 'Import nmap XML output (nmap -oX): each scanned host\'s open ports become what it is known to serve',
      builder: (yy: Argv) => dbOption(yy).positional('files', { type: 'string', array: true, describe: 'nmap XML files' })
        .example('nmap -sV -oX scan.xml 192.168.1.0/24 && netwatch assets import scan.xml', 'scan, then import') as unknown as Argv<AssetsArgs>,
      handler: importHandler,
    })
    .command({
      command: '$0',
      describe: 'List the assets',
      builder: (yy: Argv) => dbOption(yy).option('format', { type: 'string', choices: ['table', 'json', 'csv'] as const, default: 'table' as const, describe: 'output format' }) as unknown as Argv<AssetsArgs>,
      handler: listHandler,
    })
    .example('netwatch assets import scan.xml', 'what nmap found, into the database')
    .example('netwatch assets --format json', 'every asset with its open services')
    .epilog('With assets in the database, capture, analyze and the daemon raise asset_service alerts for a new service on a ' +
      'scanned host and (unless detection.assets.alertUnexpectedPorts is 0) for attempts on ports it does not serve.') as unknown as Argv<AssetsArgs>,
  handler: () => undefined,
};
