// Progress of a run over capture files, on stderr when it is a terminal (analyze, detect, train).

import type { FileProgress } from '../pipeline.js';

export function fileProgressPrinter(verb: string): ((p: FileProgress) => void) | undefined {
  if (!process.stderr.isTTY) return undefined;
  const started = Date.now();
  return (p) => {
    const secs = (Date.now() - started) / 1000;
    if (secs < 1) return;
    const pctDone = p.size > 0 ? ((100 * p.bytesRead) / p.size).toFixed(0) : '?';
    const rate = Math.round(p.packets / secs).toLocaleString('en-US');
    process.stderr.write(`\r\x1b[K${verb} ${p.fileIndex + 1}/${p.files} ${p.path} ${pctDone}%  ${p.packets.toLocaleString('en-US')} packets  ${rate} pkt/s`);
  };
}
