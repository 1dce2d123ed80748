// Coded errors thrown at the boundaries (files, flags, devices); the hot path counts instead of throwing.

export type NetwatchErrorCode =
  | 'NW_ERR_USAGE'
  | 'NW_ERR_CONFIG'
  | 'NW_ERR_DB'
  | 'NW_ERR_FILE_OPEN'
  | 'NW_ERR_FILE_FORMAT'
  | 'NW_ERR_OUTPUT'
  | 'NW_ERR_NO_INTERFACE'
  | 'NW_ERR_UNKNOWN_INTERFACE'
  | 'NW_ERR_BAD_FILTER'
  | 'NW_ERR_PERMISSION'
  | 'NW_ERR_CAPTURE'
  | 'NW_ERR_NATIVE_MODULE'
  | 'NW_ERR_MODEL'
  | 'NW_ERR_LISTEN'
  | 'NW_ERR_INSTALL';

/**
 * Exit status per code: 2 for what the user typed, 1 for what happened at run time. A file named on the
 * command line that cannot be opened or is not a capture is what the user typed (as with tshark, and as
 * with a missing --config); a capture that breaks part way through is a run-time failure.
 */
const USAGE_CODES: ReadonlySet<NetwatchErrorCode> = new Set([
  'NW_ERR_USAGE',
  'NW_ERR_CONFIG',
  'NW_ERR_FILE_OPEN',
  'NW_ERR_FILE_FORMAT',
  'NW_ERR_UNKNOWN_INTERFACE',
  'NW_ERR_BAD_FILTER',
  'NW_ERR_NO_INTERFACE',
  'NW_ERR_MODEL',
]);

export class NetwatchError extends Error {
  readonly code: NetwatchErrorCode;
  readonly exitCode: 1 | 2;

  constructor(code: NetwatchErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'NetwatchError';
    this.code = code;
    this.exitCode = USAGE_CODES.has(code) ? 2 : 1;
  }
}

export function isNetwatchError(e: unknown): e is NetwatchError {
  return e instanceof NetwatchError;
}

/** Why a file could not be read, in words: "no such file", "permission denied", "is a directory", else the system's message. */
export function fileErrorText(e: unknown): string {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'ENOENT' ? 'no such file'
    : code === 'EACCES' ? 'permission denied'
      : code === 'EISDIR' ? 'is a directory' : (e as Error).message;
}
