// The root pino logger (JSON to stderr, so stdout stays for packets and exports) and its per-component children.

import { pino, type Logger } from 'pino';

let root: Logger | null = null;

export function rootLogger(level = process.env.NETWATCH_LOG_LEVEL ?? 'warn'): Logger {
  if (root === null) root = pino({ level, base: { app: 'netwatch' } }, pino.destination({ dest: 2, sync: true }));
  return root;
}

export function componentLogger(component: string): Logger {
  return rootLogger().child({ component });
}
