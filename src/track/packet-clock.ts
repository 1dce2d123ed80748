// A once-a-second schedule in packet time (flow sweeps, detector ticks) that survives time going back.
//
// The clock is the latest packet time. Packet time that steps back more than 2 s (a clock step, files
// joined) moves the clock back with it and runs the work once at the new time, so the schedule follows
// it. Time that jumps back and forth on every packet (two interfaces whose clocks are apart, a crafted
// file) would make every packet a step back and the next a step forward, and every step a due run of
// whatever the schedule drives: a pass over the flow table per packet. So a move back comes at most once
// per REBASE_PACKETS packets, or sooner (but not within MIN_REBASE_PACKETS of the last) once FOLLOW_BEHIND
// packets in a row have stayed behind: time that really went back (a third file soon after a second) is followed.

/** Packets between two moves of the clock back in time while packets go on jumping back and forth. */
export const REBASE_PACKETS = 4096;
/** Packets in a row behind the clock after which it follows them back... */
export const FOLLOW_BEHIND = 8;
/** ...once this many packets have passed since it last moved back. */
export const MIN_REBASE_PACKETS = 256;
/** A step back this small (seconds) is reordering, not a new time base: the clock holds (and window entries count it). */
export const REORDER_SEC = 2;

export class PacketClock {
  /** The time the schedule follows (seconds). */
  now = -Infinity;
  /**
   * Files with a packet more than REORDER_SEC older than the latest packet of the files before them (read
   * out of time order, or one file twice), counted at the first such packet (sourceWentBack, from runFiles,
   * which warns of it): window tables restart their entries once after each. Time going back within what
   * was read (a file that holds its capture twice, two interfaces whose clocks are apart) does not count.
   */
  sourcesBehind = 0;
  private next = -Infinity;
  private sinceRebase = REBASE_PACKETS;
  private behind = 0;

  /**
   * The next packet begins another file: a step back there is followed at once (files are read in the
   * order given, and a later one may be older), not after the packets that wait for a repeated step.
   */
  newSource(): void {
    this.sinceRebase = REBASE_PACKETS;
    this.behind = 0;
  }

  /** The packet about to come is the first of its file more than REORDER_SEC behind the files read before it. */
  sourceWentBack(): void {
    this.sourcesBehind++;
  }

  /**
   * Takes a packet's time; true when the work is due at `now`: a second boundary of the clock has passed
   * since it last was, or the clock has just moved back.
   */
  due(t: number): boolean {
    this.sinceRebase++;
    if (t < this.now - REORDER_SEC) {
      this.behind++;
      if (this.sinceRebase >= REBASE_PACKETS || (this.behind >= FOLLOW_BEHIND && this.sinceRebase >= MIN_REBASE_PACKETS)) {
        this.now = t;
        this.sinceRebase = 0;
        this.behind = 0;
        this.next = Math.floor(t) + 1;
        return true;
      }
      return false;
    }
    this.behind = 0;
    if (t > this.now) this.now = t;
    if (this.now < this.next) return false;
    this.next = Math.floor(this.now) + 1;
    return true;
  }
}
