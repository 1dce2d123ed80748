// Where netwatch keeps its database when no --db is given: $NETWATCH_DB, else the user's data directory.

import { homedir } from 'node:os';
import { join } from 'node:path';

export function defaultDbPath(): string {
  if (process.env.NETWATCH_DB) return process.env.NETWATCH_DB;
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'netwatch', 'netwatch.db');
}

/** The model `train` writes and `detect` reads when no --model is given: $NETWATCH_MODEL, else beside the database. */
export function defaultModelPath(): string {
  if (process.env.NETWATCH_MODEL) return process.env.NETWATCH_MODEL;
  const base = process.env.XDG_DATA_HOME || join(homedir(), '.local', 'share');
  return join(base, 'netwatch', 'model.json');
}
