// Entry point: parses the command line with yargs and turns errors into one line and an exit status.

import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { NetwatchError, isNetwatchError } from '../errors.js';
import { analyzeCommand, detectCommand } from './analyze-command.js';
import { trainCommand } from './train-command.js';
import { captureCommand } from './capture-command.js';
import { interfacesCommand } from './interfaces-command.js';
import { alertsCommand, incidentsCommand, statsCommand } from './query-commands.js';
import { daemonCommand } from './daemon-command.js';
import { assetsCommand } from './assets-command.js';
import { hostsCommand } from './hosts-command.js';
import { serveCommand } from './serve-command.js';
import { reportCommand } from './report-command.js';
import { watchStdoutReader } from '../output/stdout-reader.js';

const COMMANDS = [
  captureCommand, analyzeCommand, trainCommand, detectCommand, interfacesCommand, alertsCommand, incidentsCommand,
  statsCommand, daemonCommand, assetsCommand, hostsCommand, serveCommand, reportCommand,
];
const COMMAND_NAMES: readonly string[] = COMMANDS.map((c) => String(c.command).split(' ')[0]);
/** Commands whose positional arguments are files (as yargs leaves them in argv._). */
const FILE_COMMANDS: readonly string[] = ['analyze', 'detect', 'train', 'report', 'assets import'];

/** yargs' messages as one line: "Invalid values: Argument: x, Given: ..." becomes "--x "v": must be one of ...". */
function oneLine(msg: string): string {
  if (msg.startsWith('Invalid values:')) {
    const parts = msg.split(/Argument: /).slice(1).map((p) => {
      const m = /^([\w-]+), Given: (.+?), Choices: (.+)$/s.exec(p.trim());
      return m === null ? p.trim().replace(/\s+/g, ' ') : `--${m[1]} ${m[2].trim()}: must be one of ${m[3].trim().replace(/\s+/g, ' ')}`;
    });
    if (parts.length > 0) return parts.join('; ');
  }
  // yargs names an unknown flag twice, as given and camel-cased ("bogus-flag, bogusFlag"): once is enough.
  const unknown = /^(Unknown arguments?): (.+)$/s.exec(msg);
  if (unknown !== null) {
    const names = unknown[2].split(', ').map((n) => n.trim());
    const camel = (n: string): string => n.replace(/-([a-z])/g, (_, c: string) => c.toUpperCase());
    const kept = names.filter((n) => !names.some((o) => o !== n && camel(o) === n));
    return `${kept.length === 1 ? 'Unknown argument' : 'Unknown arguments'}: ${kept.join(', ')}`;
  }
  return msg.replace(/\s*\n\s*/g, '; ');
}

/** A lone "-" on the command line, kept through yargs (see joinDashValues). */
const STDIN_ARG = '\u0000-';
/** Options whose value may be "-" (standard output). */
const DASH_VALUE_OPTIONS = new Set(['--out', '-o', '--alerts', '--flows', '--alert-log']);

/**
 * "--out -" as "--out=-": yargs takes a lone "-" for a positional and leaves the option empty. And a
 * long option's value that looks negative ("--since -1h", "--window -5s") as "--since=-1h": yargs would
 * read "-1h" as the flags -1 and -h (help), so the value reaches the option's own check and its message.
 * A lone "-" anywhere else becomes STDIN_ARG (yargs would drop it), which the middleware turns into
 * standard input among the files and back into nothing as an option's value ("--html -" still needs a name).
 */
function joinDashValues(argv: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--') return [...out, ...argv.slice(i)];
    const next = argv[i + 1];
    const dash = DASH_VALUE_OPTIONS.has(a) && next === '-';
    const negative = a.startsWith('--') && !a.includes('=') && next !== undefined && /^-\.?\d/.test(next);
    if (dash || negative) { out.push(`${a}=${next}`); i++; } else out.push(a === '-' ? STDIN_ARG : a);
  }
  return out;
}

export async function main(argv: string[]): Promise<number> {
  const debug = argv.includes('--debug');
  const parser = yargs(joinDashValues(argv))
    .scriptName('netwatch')
    .detectLocale(false)
    .parserConfiguration({ 'populate--': true })
    .usage('$0 <command> [options]\n\nNetwork anomaly sensor: live capture and pcap/pcapng analysis.')
    .command(COMMANDS as never)
    .option('debug', { type: 'boolean', default: false, describe: 'show stack traces on errors' })
    // An option given twice that takes one value: yargs makes an array of it, which the command would read
    // as a file name ("a.json,b.json") or crash on. Say so instead of guessing which one was meant.
    .middleware(((a: Record<string, unknown>, y: { getOptions(): { array: string[] } }) => {
      const arrays = new Set(y.getOptions().array);
      for (const [k, v] of Object.entries(a)) {
        if (k === 'files' && Array.isArray(v)) a[k] = v.map((f) => (f === STDIN_ARG ? '/dev/stdin' : f));
        else if (v === STDIN_ARG) a[k] = '';
        else if (Array.isArray(v)) a[k] = v.map((x) => (x === STDIN_ARG ? '' : x));
      }
      // Names after "--" are files even when they start with "-" (a file called -x.pcap); "-" is still standard input.
      const rest = Array.isArray(a['--']) ? (a['--'] as unknown[]).map((x) => (x === '-' ? '/dev/stdin' : String(x))) : undefined;
      delete a['--'];
      if (Array.isArray(rest) && rest.length > 0) {
        const command = (a._ as unknown[]).map(String).join(' ');
        if (!FILE_COMMANDS.includes(command)) throw new NetwatchError('NW_ERR_USAGE', `${command || 'netwatch'} takes no file names (after --: ${rest.join(' ')})`);
        a.files = [...((a.files as string[] | undefined) ?? []), ...rest];
      }
      for (const [k, v] of Object.entries(a)) {
        // Each option once: not its one-letter alias, not yargs' camel-case copy of a kebab-case name.
        if (!Array.isArray(v) || k === '_' || k === 'files' || k.length === 1 || /[A-Z]/.test(k) || arrays.has(k)) continue;
        throw new NetwatchError('NW_ERR_USAGE', `--${k} given ${v.length} times (${v.map(String).join(', ')}): give it once`);
      }
    }) as never, true)
    .example('sudo netwatch capture -i eth0 --count 50', 'capture 50 packets live, with alerts as they happen')
    .example('netwatch analyze traffic.pcap --alerts alerts.json', 'summary, alerts and incidents of a capture file')
    .example('netwatch train normal.pcap --model model.json', 'learn normal traffic; then: netwatch detect suspect.pcap --model model.json')
    .example('netwatch alerts --since 1h', 'alerts of the last hour from the database')
    .example('netwatch <command> --help', 'the options and examples of one command')
    .demandCommand(1, 'name a command: capture, analyze, train, detect, interfaces, alerts, incidents, stats, hosts, assets, report, serve or daemon')
    .strict()
    .recommendCommands()
    .help()
    .alias('help', 'h')
    .version()
    .wrap(Math.min(110, process.stdout.columns ?? 100))
    .fail((msg, err) => {
      if (err) throw err;
      // Throwing stops yargs here; returning would let it run the command's handler anyway.
      const first = argv.find((a) => !a.startsWith('-'));
      // A first word that is no command and like none: yargs calls it an unknown argument.
      const notCommand = first !== undefined && !COMMAND_NAMES.includes(first) && argv[0] === first;
      const text = msg.startsWith('Did you mean') && first !== undefined ? `unknown command "${first}". ${msg}`
        : notCommand && /^Unknown arguments?:/.test(msg) ? `unknown command "${first}": name one of ${COMMAND_NAMES.join(', ')}` : oneLine(msg);
      // A flag of one command is explained by that command's help, not by the list of commands.
      const where = first !== undefined && COMMAND_NAMES.includes(first) ? `netwatch ${first} --help` : 'netwatch --help';
      throw new NetwatchError('NW_ERR_USAGE', `${text} (see ${where})`);
    });
  try {
    await parser.parseAsync();
  } catch (e) {
    if (isNetwatchError(e)) {
      process.stderr.write(`netwatch: ${e.message}\n`);
      if (debug && e.stack) process.stderr.write(e.stack + '\n');
      return e.exitCode;
    }
    process.stderr.write(`netwatch: internal error: ${(e as Error).message}\n`);
    if (debug && (e as Error).stack) process.stderr.write((e as Error).stack + '\n');
    else process.stderr.write('netwatch: run again with --debug for the stack trace\n');
    return 1;
  }
  return 0;
}

watchStdoutReader();
const code = await main(hideBin(process.argv));
// A handler may already have set the status (the daemon); an error's status wins.
if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
