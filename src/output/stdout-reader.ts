// Whether standard output still has a reader. When `netwatch ... | head` has read enough, writes fail
// with EPIPE: the run then stops as on a signal and exits quietly (as tcpdump does), instead of
// failing with "write failed".

let gone = false;

/** True once a write to standard output found its reader gone. */
export function stdoutReaderGone(): boolean {
  return gone;
}

export function markStdoutReaderGone(): void {
  gone = true;
}

/** Stream writes to process.stdout report EPIPE as an 'error' event: mark it instead of crashing. */
export function watchStdoutReader(): void {
  process.stdout.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code === 'EPIPE') gone = true;
    else throw e;
  });
}
