// `netwatch interfaces`: capture devices with their state, flags and addresses.

import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { listInterfaces } from '../capture/network-interfaces.js';

interface InterfacesArgs {
  json: boolean;
}

function handler(argv: ArgumentsCamelCase<InterfacesArgs>): void {
  const list = listInterfaces();
  if (argv.json) {
    process.stdout.write(JSON.stringify(list) + '\n');
    return;
  }
  const lines = list.map((i) =>
    `${i.name.padEnd(16)} ${i.operstate.padEnd(8)} mtu ${String(i.mtu).padEnd(6)} ${i.mac.padEnd(18)} ` +
    `<${i.flags.join(',')}> ${i.addresses.join(' ')}`);
  lines.push(`${'any'.padEnd(16)} (libpcap pseudo-device: all interfaces, Linux cooked headers)`);
  process.stdout.write(lines.join('\n') + '\n');
}

export const interfacesCommand: CommandModule<object, InterfacesArgs> = {
  command: 'interfaces',
  describe: 'List capture devices with state, flags and addresses',
  builder: (y: Argv) => y
    .strict()
    .option('json', { type: 'boolean', default: false, describe: 'print as JSON' })
    .example('netwatch interfaces', 'list devices') as unknown as Argv<InterfacesArgs>,
  handler,
};
