// netwatch's version, from package.json (two levels above the compiled file: dist/src/version.js).

import { readFileSync } from 'node:fs';

export const NETWATCH_VERSION: string = (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
