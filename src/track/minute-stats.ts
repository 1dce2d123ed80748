// Per-minute statistics in packet time for the database: packets, bytes, protocol split, distinct hosts,
// top talkers (senders and receivers), the services most connected to, and capture drops. Fixed counters
// and bounded tables, reset each minute.

import { PacketClock } from './packet-clock.js';
import type { PacketRecord } from '../decode/packet-record.js';
import { isIpPacket, PC_ARP, PC_ICMP, PC_OTHER, PC_TCP, PC_UDP, protocolColumn, PROTOCOL_COLUMNS } from './protocol-column.js';
import { mixAddress, writeSrc } from './address-key.js';
import type { Talker } from './top-talkers.js';
import { linearCount, popcount32 } from './linear-count.js';
import type { PortCount } from './port-counts.js';
import { TrafficTops } from './traffic-tops.js';

/** Packets and bytes, and packets by transport protocol: one minute, one bucket, one range. */
export interface TrafficCounts {
  packets: number;
  bytes: number;
  tcp: number;
  udp: number;
  icmp: number;
  arp: number;
  /** Neither TCP, UDP, ICMP nor ARP: other IP protocols and other frames. */
  other: number;
}

export interface MinuteRow extends TrafficCounts {
  minuteEpoch: number;
  distinctHosts: number;
  topTalkers: Talker[];
  /** The busiest receivers by bytes. */
  topDestinations: Talker[];
  /** Flows started per destination port. */
  topServices: PortCount[];
  /** Packets per source port. */
  topSourcePorts: PortCount[];
  ringDrops: number;
  kernelDrops: number;
}

/**
 * Bits of the minute's distinct-source bitmap: 64 Ki (8 KiB, one bitmap for the whole minute) counts to
 * within a per cent or two up to a few hundred thousand sources; 4,096 filled at 34,070 (its ceiling) and
 * read a spoofed flood's 37,623 sources as that.
 */
const BITS = 65536;
/** Entries kept per minute in each top list; a report over many minutes sums them. */
const TOP = 10;

export class MinuteStats {
  /** Receives each finished minute (and the last, partial one at the end). */
  onMinute: ((row: MinuteRow) => void) | null = null;
  /** Live: cumulative drops so far, to record each minute's share. */
  dropsProvider: (() => { ring: number; kernel: number }) | null = null;
  private minute = -1;
  private packets = 0;
  private bytes = 0;
  /** Packets by protocolColumn(). */
  private readonly byProtocol = new Float64Array(PROTOCOL_COLUMNS);
  private readonly hosts = new Uint32Array(BITS / 32);
  /** The packet's source in key form (IPv4 mapped), for the distinct-source bitmap. */
  private readonly src = new Uint32Array(4);
  private readonly tops = new TrafficTops();
  private dropsAtStart = { ring: 0, kernel: 0 };
  /**
   * Which minute a packet counts in: the clock's, not the packet's own, so a packet a second or two out of
   * order at a minute's edge, or time jumping back and forth, does not end a minute (a database row and a
   * pass over the port counters) per packet; a real step back is followed as the flow table follows it.
   */
  private readonly clock = new PacketClock();

  /** The next packet begins another file, whose time may be older: its minute is followed from its first packet. */
  newSource(): void {
    this.clock.newSource();
  }

  /** newFlow: the packet opened a flow (its destination port counts as a service). */
  add(rec: PacketRecord, newFlow: boolean): void {
    this.clock.due(rec.tsSec);
    const m = Math.floor(this.clock.now / 60);
    if (m !== this.minute) {
      if (this.minute >= 0) this.emit();
      this.minute = m;
    }
    this.packets++;
    this.bytes += rec.wireLen;
    this.byProtocol[protocolColumn(rec)]++;
    if (!isIpPacket(rec)) return;
    this.tops.add(rec, newFlow);
    writeSrc(this.src, 0, rec);
    const bit = mixAddress(this.src, 0) & (BITS - 1);
    this.hosts[bit >>> 5] |= 1 << (bit & 31);
  }

  /**
   * Live, on a quiet link: packet time has moved on to tsSec without a packet (the last one's time plus the
   * wall-clock time since it came). A minute that has ended is written now, not when the next packet comes.
   */
  advance(tsSec: number): void {
    if (this.minute < 0 || Math.floor(tsSec / 60) <= this.minute) return;
    if (this.packets > 0) this.emit();
    this.minute = -1;
  }

  /** End of input: the last minute as it stands. */
  finish(): void {
    if (this.minute >= 0 && this.packets > 0) this.emit();
    this.minute = -1;
  }

  private emit(): void {
    let zeros = 0;
    for (let w = 0; w < this.hosts.length; w++) zeros += 32 - popcount32(this.hosts[w]);
    const drops = this.dropsProvider?.() ?? { ring: 0, kernel: 0 };
    const bp = this.byProtocol;
    this.onMinute?.({
      minuteEpoch: this.minute * 60, packets: this.packets, bytes: this.bytes, tcp: bp[PC_TCP], udp: bp[PC_UDP], icmp: bp[PC_ICMP],
      arp: bp[PC_ARP], other: bp[PC_OTHER], distinctHosts: linearCount(BITS, zeros),
      topTalkers: this.tops.senders.top(TOP), topDestinations: this.tops.receivers.top(TOP), topServices: this.tops.services.top(TOP),
      topSourcePorts: this.tops.sourcePorts.top(TOP), ringDrops: drops.ring - this.dropsAtStart.ring, kernelDrops: drops.kernel - this.dropsAtStart.kernel,
    });
    this.dropsAtStart = drops;
    this.packets = 0; this.bytes = 0; bp.fill(0);
    this.hosts.fill(0);
    this.tops.reset();
  }
}
