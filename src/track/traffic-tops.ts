// The busiest senders and receivers (bytes), the services most connected to (flows started per
// destination port) and the source ports most sent from (packets): what a minute of statistics and a
// report's profile both keep, counted by one piece of code. Bounded tables, cleared rather than remade.

import { L3_IPV4, L3_IPV6, type PacketRecord } from '../decode/packet-record.js';
import { PortCounts } from './port-counts.js';
import { TopTalkers } from './top-talkers.js';

export class TrafficTops {
  readonly senders = new TopTalkers(4096);
  readonly receivers = new TopTalkers(4096);
  readonly services = new PortCounts();
  readonly sourcePorts = new PortCounts();

  /** Counts an IP packet; newFlow: it opened a flow (its destination port counts as a service). */
  add(rec: PacketRecord, newFlow: boolean): void {
    if (newFlow) this.services.countDst(rec);
    this.sourcePorts.countSrc(rec);
    if (rec.l3 === L3_IPV4) {
      this.senders.addIpv4(rec.src4, rec.wireLen);
      this.receivers.addIpv4(rec.dst4, rec.wireLen);
    } else if (rec.l3 === L3_IPV6) {
      this.senders.addIpv6(rec.src6, rec.wireLen);
      this.receivers.addIpv6(rec.dst6, rec.wireLen);
    }
  }

  reset(): void {
    this.senders.reset();
    this.receivers.reset();
    this.services.reset();
    this.sourcePorts.reset();
  }
}
