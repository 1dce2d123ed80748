// Ctrl-C and SIGTERM end a run gracefully (summary and exports completed); a second Ctrl-C exits at once.
// Standard output's reader going away (`| head`) ends it the same way.

import { stdoutReaderGone } from '../output/stdout-reader.js';

export interface StopSignals {
  readonly requested: () => boolean;
  dispose(): void;
}

export function listenForStop(onSecond: () => void): StopSignals {
  let count = 0;
  const handler = (): void => {
    count++;
    if (count > 1) onSecond();
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
  return {
    requested: () => count > 0 || stdoutReaderGone(),
    dispose: () => {
      process.off('SIGINT', handler);
      process.off('SIGTERM', handler);
    },
  };
}
