// Dates and times that users type (--since, the dashboard's since/until): ISO 8601, read as UTC when no
// zone is given, because every time netwatch prints is UTC (Date.parse reads "2010-07-05T00:00:00" as
// local time but "2010-07-05" as UTC, so the two forms of one instant disagreed under TZ=Asia/Tokyo).
// Fractions of a second are kept to the nanosecond's digits (Date.parse stops at milliseconds, so
// --until 20:24:17.965422Z left out the alert at .965421), and a calendar date that does not exist is
// refused instead of rolling over (2021-02-30 was read as 2 March).

const ISO = /^\s*(\d{4})-(\d{2})-(\d{2})(?:[Tt ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(?:([Zz])|([+-])(\d{2}):?(\d{2}))?\s*$/;

/** Epoch seconds (with the fraction typed) of an ISO 8601 date/time, or NaN when it is not one or names no real day. */
export function parseDateSeconds(text: string): number {
  const m = ISO.exec(text);
  if (m === null) return NaN;
  const [year, month, day] = [Number(m[1]), Number(m[2]), Number(m[3])];
  const [hour, minute, second] = [Number(m[4] ?? 0), Number(m[5] ?? 0), Number(m[6] ?? 0)];
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > days || hour > 23 || minute > 59 || second > 59) return NaN;
  let sec = Date.UTC(year, month - 1, day, hour, minute, second) / 1000;
  if (m[9] !== undefined) {
    const [zh, zm] = [Number(m[10]), Number(m[11])];
    if (zh > 23 || zm > 59) return NaN;
    sec -= (m[9] === '-' ? -1 : 1) * (zh * 3600 + zm * 60);
  }
  // As the alerts' ts_epoch is made: whole seconds plus the fraction, so equal instants compare equal.
  if (m[7] !== undefined) sec += Number(`0.${m[7]}`);
  return sec;
}
