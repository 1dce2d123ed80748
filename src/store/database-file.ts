// A path named as a database that cannot be one: a directory, or a file SQLite does not recognise
// (SQLITE_NOTADB). Both are what the user typed (--db, --state, NETWATCH_DB, a config key), usage errors
// with exit status 2 like a database that is not there; a disk that fails while reading stays a run-time
// error (exit 1). A directory was reported as "disk I/O error" or "unable to open database file".

import { statSync } from 'node:fs';
import { NetwatchError } from '../errors.js';

/** Throws a usage error when `path` is a directory; `what` names the database ("the database"), `hint` ends the line. */
export function refuseDirectory(path: string, what: string, hint = ''): void {
  let dir = false;
  try {
    dir = statSync(path).isDirectory();
  } catch {
    // Not there or not readable: the open says which.
  }
  if (dir) throw new NetwatchError('NW_ERR_USAGE', `${path}: cannot open ${what}: is a directory${hint}`);
}

/** SQLite's "file is not a database" as a usage error with the same words; null for any other error. */
export function notADatabase(path: string, e: unknown, hint = ''): NetwatchError | null {
  if ((e as { code?: unknown }).code !== 'SQLITE_NOTADB') return null;
  return new NetwatchError('NW_ERR_USAGE', `${path}: ${(e as Error).message}${hint}`, { cause: e });
}
