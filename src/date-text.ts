// Dates and times that users type (--since, the dashboard's since/until): Date.parse, but a calendar date
// that does not exist is refused instead of rolling over (2021-02-30 was read as 2 March).

/** Epoch milliseconds of an ISO 8601-like date/time, or NaN when it is not one or names no real day. */
export function parseDateText(text: string): number {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) return NaN;
  // ISO 8601 only: Date.parse also takes "0", "1" or "Nov 5" and makes a date of them.
  const m = /^\s*(\d{4})-(\d{2})-(\d{2})/.exec(text);
  if (m === null) return NaN;
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days) return NaN;
  return ms;
}
