// RFC 3339 UTC timestamps with microseconds, the date part cached per second since packets come in order.

export class TimestampText {
  private cachedSec = NaN;
  private prefix = '';

  format(sec: number, nsec: number): string {
    if (sec !== this.cachedSec) {
      this.cachedSec = sec;
      const d = new Date(sec * 1000);
      this.prefix = Number.isNaN(d.getTime()) ? `@${sec}` : d.toISOString().slice(0, 19);
    }
    const us = Math.floor(nsec / 1000);
    return `${this.prefix}.${us.toString().padStart(6, '0')}Z`;
  }
}
