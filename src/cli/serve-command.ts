// `netwatch serve`: the dashboard over a netwatch database (read-only), until Ctrl-C or SIGTERM.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { defaultDbPath } from '../config/default-paths.js';
import { loadDashboardConfig, loadDetectionConfig } from '../config/detection-config-file.js';
import { NetwatchError } from '../errors.js';
import { sidecarPath } from '../report/dashboard-state.js';
import { startDashboard } from '../report/dashboard-server.js';
import { checkNumber } from './number-args.js';

interface ServeArgs { db?: string; listen?: string; token?: string; config?: string; state?: string; maxUploadMb?: number }

const DEFAULT_LISTEN = '127.0.0.1:8080';

/** HOST:PORT, [IPV6]:PORT or PORT (loopback); the host an address literal or localhost. */
export function parseListen(value: string): { host: string; port: number } {
  const v = value.trim();
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(v) ?? /^([^:[\]]+):(\d+)$/.exec(v) ?? /^()(\d+)$/.exec(v);
  const fail = (why: string): never => { throw new NetwatchError('NW_ERR_USAGE', `--listen ${value}: ${why}`); };
  if (m === null) return fail('expected HOST:PORT, [IPV6]:PORT or PORT (for example 127.0.0.1:8080 or 0.0.0.0:8080)');
  const host = m[1] === '' ? '127.0.0.1' : m[1] === 'localhost' ? '127.0.0.1' : m[1];
  const port = Number(m[2]);
  if (!Number.isInteger(port) || port > 65535) fail(`port ${m[2]} is not between 0 and 65535`);
  if (isIP(host) === 0) fail(`${host} is not an IP address (use 127.0.0.1, 0.0.0.0, ::, or an address of this machine)`);
  return { host, port };
}

async function handler(argv: ArgumentsCamelCase<ServeArgs>): Promise<void> {
  checkNumber('max-upload-mb', argv.maxUploadMb, { min: 0, max: 65536 });
  const file = loadDashboardConfig(argv.config);
  const weights = loadDetectionConfig(argv.config).threatScore;
  const listen = parseListen(argv.listen ?? file.listen ?? DEFAULT_LISTEN);
  const token = argv.token ?? (process.env.NETWATCH_TOKEN || undefined) ?? file.token ?? null;
  if (token !== null && (token.length < 16 || /\s/.test(token))) {
    throw new NetwatchError('NW_ERR_USAGE', 'access token: must be at least 16 characters without spaces (leave it out on a non-loopback address to have one generated)');
  }
  const dbPath = argv.db ?? defaultDbPath();
  if (!existsSync(dbPath)) {
    throw new NetwatchError('NW_ERR_USAGE', `${dbPath}: no such database (make one with capture --db, analyze --db or the daemon, or name it with --db)`);
  }
  const statePath = argv.state ?? sidecarPath(dbPath);
  const maxUploadMb = argv.maxUploadMb ?? file.maxUploadMb ?? 64;
  const dash = await startDashboard({
    dbPath, statePath, host: listen.host, port: listen.port, token, config: argv.config, weights,
    maxUploadBytes: Math.round(maxUploadMb * 1048576),
  });
  const err = process.stderr;
  // One write, so whoever reads the address also has the token lines.
  const lines = [`netwatch serve: dashboard on ${dash.url} (database ${dbPath}, read-only; acknowledgements in ${statePath})`];
  if (dash.tokenSource === 'generated') {
    lines.push(`netwatch serve: access token (generated, stored in ${statePath}): ${dash.token}`);
    lines.push(`netwatch serve: open ${dash.url}?token=${dash.token} once; the browser keeps it in a cookie`);
  } else if (dash.tokenSource === 'stored') {
    lines.push(`netwatch serve: access token required (the one stored in ${statePath}; sqlite3 ${statePath} "SELECT value FROM settings WHERE key = 'token'")`);
  } else if (dash.tokenSource === 'given') {
    lines.push('netwatch serve: access token required (the one given)');
  }
  err.write(lines.join('\n') + '\n');
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (sig: string): void => {
      if (stopping) { err.write('netwatch serve: stopping now\n'); process.exit(130); }
      stopping = true;
      err.write(`netwatch serve: ${sig}: closing\n`);
      // A request that never ends must not hold the exit forever.
      const force = setTimeout(() => { err.write('netwatch serve: close timed out\n'); process.exit(1); }, 5000);
      force.unref();
      dash.close().then(() => {
        process.off('SIGINT', onInt);
        process.off('SIGTERM', onTerm);
        clearTimeout(force);
        resolve();
      }, (e: Error) => { err.write(`netwatch serve: close failed: ${e.message}\n`); process.exitCode = 1; resolve(); });
    };
    const onInt = (): void => stop('SIGINT');
    const onTerm = (): void => stop('SIGTERM');
    process.on('SIGINT', onInt);
    process.on('SIGTERM', onTerm);
  });
}

export const serveCommand: CommandModule<object, ServeArgs> = {
  command: 'serve',
  describe: 'Web dashboard over the database (read-only): live overview, alerts and incidents, hosts, capture upload',
  builder: (y: Argv) => y
    .option('db', { type: 'string', describe: 'SQLite database (default $NETWATCH_DB or ~/.local/share/netwatch/netwatch.db); opened read-only' })
    .option('listen', { type: 'string', describe: `HOST:PORT to listen on (default ${DEFAULT_LISTEN}); any non-loopback address requires an access token` })
    .option('token', { type: 'string', describe: 'access token (also $NETWATCH_TOKEN or dashboard.token in --config); generated and stored when a non-loopback address has none' })
    .option('config', { type: 'string', describe: 'JSON config file: dashboard {token, listen, maxUploadMb}, detection.threatScore weights, intel feeds for uploads' })
    .option('state', { type: 'string', describe: 'the dashboard\'s own database: acknowledged and muted incidents, the generated token (default DB-dashboard.db)' })
    .option('max-upload-mb', { type: 'number', describe: 'largest capture the upload page accepts, MiB (default 64; 0 turns uploads off)' })
    .example('netwatch serve', 'dashboard of the default database on http://127.0.0.1:8080/')
    .example('netwatch serve --db /var/lib/netwatch/netwatch.db --listen 127.0.0.1:9000', 'the daemon\'s database, another port')
    .example('netwatch serve --listen 0.0.0.0:8080', 'reachable from the network: prints a generated access token')
    .example('NETWATCH_TOKEN=$(openssl rand -hex 24) netwatch serve --listen 10.0.0.5:8080', 'with a token of your own')
    .epilog('The main database is never written: incident acknowledgements and mutes go to the state database beside it. '
      + 'Pages and API: docs/dashboard.md.') as unknown as Argv<ServeArgs>,
  handler,
};
