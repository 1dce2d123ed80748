// A chart bucket's width in words, for titles such as "Traffic per 5 min": the report's and the dashboard's
// charts use this one function, so the same width reads the same everywhere.

const count = new Intl.NumberFormat('en-US');
const oneDecimal = new Intl.NumberFormat('en-US', { minimumFractionDigits: 1, maximumFractionDigits: 1 });

/**
 * "second", "minute", "hour", "day", or a count of the largest unit that divides the width ("5 min",
 * "6 h", "7 days", "90 s"); a width of an hour or more that is no whole number of hours (a capture's
 * doubled buckets, a database report's minutes folded to fit 720 points) adds its size in hours or days.
 */
export function per(bucketSec: number): string {
  if (bucketSec === 1) return 'second';
  if (bucketSec % 86400 === 0) return bucketSec === 86400 ? 'day' : `${count.format(bucketSec / 86400)} days`;
  if (bucketSec % 3600 === 0) return bucketSec === 3600 ? 'hour' : `${count.format(bucketSec / 3600)} h`;
  const exact = bucketSec % 60 === 0 ? (bucketSec === 60 ? 'minute' : `${count.format(bucketSec / 60)} min`) : `${count.format(bucketSec)} s`;
  if (bucketSec >= 86400) return `${exact} (${oneDecimal.format(bucketSec / 86400)} days)`;
  if (bucketSec >= 3600) return `${exact} (${oneDecimal.format(bucketSec / 3600)} h)`;
  return exact;
}
