// Where alerts put hosts in time, so the windows that led up to an alert stay out of what a model learns.
// A detector names a host once its window reached the threshold: the model windows that closed before
// that already held most of the attack (the ninth of ten guessed logins), and were learnt as normal.
// Per host, the spans [raise time - the alert's window, raise time], merged while they overlap. Bounded:
// at most maxHosts hosts (the least recently added forgotten first) and MAX_SPANS spans each.

import type { PacketPosition, RaiseRequest } from '../alert/alert-hub.js';
import { wordsToString } from '../track/address-key.js';
import { parseAddressWords } from '../track/address-parse.js';

/** Spans kept per host: an attacker raising again and again merges into one; separate incidents do not. */
const MAX_SPANS = 64;

/** The seconds an alert's window string covers ("10s", "300s", "60s+"); 0 when it names none. */
function lookbackSec(window: string | undefined): number {
  const m = /^(\d+(?:\.\d+)?)s/.exec(window ?? '');
  return m === null ? 0 : Number(m[1]);
}

export class AlertSpans {
  readonly maxHosts: number;
  private readonly spans = new Map<string, number[]>();
  private readonly scratch = new Uint32Array(4);
  /** Hosts forgotten because the map was full. */
  forgotten = 0;

  constructor(maxHosts: number) {
    this.maxHosts = Math.max(1, maxHosts);
  }

  /** The host as window rows name it (the canonical text of its address), or null when it is not an address. */
  private canonical(host: string): string | null {
    return parseAddressWords(host, this.scratch, 0) ? wordsToString(this.scratch, 0) : null;
  }

  /**
   * A raise as the hub's observers hear it, at the packet the hub is at: its window back from that packet's
   * time, and on to madeAt when the raise is made later than that (one held back, made at the next tick:
   * what came until then, a scanned host's retransmitted SYN-ACKs, is the attack's too), by at most the
   * alert's window (a raise held back at the end of one file is made at the next file's first packet,
   * which may be years on).
   */
  addRaise(r: Pick<RaiseRequest, 'src' | 'dst'> & Partial<Pick<RaiseRequest, 'window'>>, pos: PacketPosition, madeAt = NaN): void {
    this.add(r.src, r.dst, pos.tsSec + pos.tsNsec / 1e9, lookbackSec(r.window), madeAt);
  }

  /** An alert named src and dst at packet time t with a window of lookback seconds, made at madeAt if later than t (counted up to t + lookback). */
  add(src: string, dst: string, t: number, lookback: number, madeAt = NaN): void {
    if (!(lookback > 0)) return;
    const to = madeAt > t ? Math.min(madeAt, t + lookback) : t;
    const a = this.canonical(src);
    if (a !== null) this.addSpan(a, t - lookback, to);
    const b = dst !== src ? this.canonical(dst) : null;
    if (b !== null && b !== a) this.addSpan(b, t - lookback, to);
  }

  private addSpan(host: string, from: number, to: number): void {
    let s = this.spans.get(host);
    if (s === undefined) {
      if (this.spans.size >= this.maxHosts) {
        const oldest = this.spans.keys().next().value as string;
        this.spans.delete(oldest);
        this.forgotten++;
      }
      s = [];
    } else {
      // Re-inserted below: Map order is recency order, so the host raised least recently goes first.
      this.spans.delete(host);
    }
    this.spans.set(host, s);
    const n = s.length;
    if (n >= 2 && from <= s[n - 1] && to >= s[n - 2]) {
      if (from < s[n - 2]) s[n - 2] = from;
      if (to > s[n - 1]) s[n - 1] = to;
      return;
    }
    if (n >= 2 * MAX_SPANS) s.splice(0, 2);
    s.push(from, to);
  }

  /** Whether an alert's span of host (as a window row names it) overlaps the window [start, end). */
  covers(host: string, start: number, end: number): boolean {
    const s = this.spans.get(host);
    if (s === undefined) return false;
    for (let i = 0; i < s.length; i += 2) if (s[i] < end && s[i + 1] >= start) return true;
    return false;
  }
}
