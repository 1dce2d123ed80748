// Where the shared capture corpus lives (read in place from ../shared, never copied into the repo).

import { existsSync, readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root, found from this file whether it runs from test/ or dist/test/. */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) dir = dirname(dir);
  return dir;
})();

export const CORPUS = resolve(process.env.NETWATCH_CORPUS ?? join(REPO_ROOT, '..', 'shared', 'corpus'));

export const CLI = join(REPO_ROOT, 'bin', 'netwatch');

/** Every capture in the corpus, as paths relative to CORPUS, sorted. */
export function corpusFiles(sub = ''): string[] {
  const out: string[] = [];
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(CORPUS, rel), { withFileTypes: true })) {
      const r = rel ? `${rel}/${e.name}` : e.name;
      if (e.isDirectory()) walk(r);
      else if (/\.(pcap|pcapng|cap)$/.test(e.name)) out.push(r);
    }
  };
  walk(sub);
  return out.sort();
}
