// `netwatch daemon`: what systemd runs. Options come from the config file, NETWATCH_* variables and flags.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { loadDaemonConfig } from '../config/daemon-config.js';
import { runDaemon } from '../daemon.js';

interface DaemonArgs {
  config?: string;
  interface?: string;
  filter?: string;
  db?: string;
  'log-level'?: string;
  model?: string;
}

export const daemonCommand: CommandModule<object, DaemonArgs> = {
  command: 'daemon',
  describe: 'Run as a service: capture, detect and store until SIGTERM',
  builder: (y: Argv) => y
    .strict()
    .option('config', { type: 'string', describe: 'JSON config file (see config/netwatch.example.json)' })
    .option('interface', { alias: 'i', type: 'string', describe: 'capture interface (overrides the config)' })
    .option('filter', { alias: 'f', type: 'string', describe: 'BPF capture filter (overrides the config)' })
    .option('db', { type: 'string', describe: 'SQLite database (overrides the config)' })
    .option('log-level', { type: 'string', describe: 'fatal, error, warn, info, debug or trace' })
    .option('model', { type: 'string', describe: 'model file from netwatch train (overrides the config); refreshed on schedules.modelRefresh' })
    .example('netwatch daemon --config /etc/netwatch/netwatch.json', 'as systemd runs it')
    .example('NETWATCH_INTERFACE=eth1 netwatch daemon', 'the interface from the environment')
    .epilog('Signals: SIGTERM/SIGINT stop cleanly (drain, flush, exit 0); SIGHUP reloads the config (thresholds, ' +
      'filter, log level; a bad file is refused and the running config kept); SIGUSR2 reopens the alert log after rotation.') as unknown as Argv<DaemonArgs>,
  handler: async (argv: ArgumentsCamelCase<DaemonArgs>) => {
    const flags = { interface: argv.interface, filter: argv.filter, db: argv.db, logLevel: argv['log-level'], model: argv.model };
    const cfg = loadDaemonConfig(argv.config, flags);
    process.exitCode = await runDaemon({ configFile: argv.config, flags }, cfg);
  },
};
