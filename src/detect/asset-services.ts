// Traffic against what the last network scan found (netwatch assets import): a connection attempt to a
// port a scanned host is not known to serve, and a scanned host answering on a service it did not have
// at the scan (a new service). Hosts the scan did not cover are not judged. Lookups make no strings:
// scanned hosts sit in a prefix set (/128 each), their open services in a set of numbers.

import type { DetectionConfig } from '../config/detection-defaults.js';
import { IPPROTO_TCP, IPPROTO_UDP, TCP_ACK, TCP_SYN } from '../decode/packet-record.js';
import { PrefixSet } from '../intel/prefix-set.js';
import { parseAddressWords } from '../track/address-parse.js';
import { type Detector, dstString, flowOf, type PacketContext, protoName, srcString } from './detector.js';

const VARIANT_UNEXPECTED_PORT = 1;
const VARIANT_NEW_SERVICE = 2;

export class AssetServicesDetector implements Detector {
  readonly name = 'asset_service' as const;
  private readonly hosts = new PrefixSet(1024);
  private readonly open = new Set<number>();
  private readonly addresses: string[] = [];
  /** Per scanned host, its open services as text (for the evidence), made once. */
  private readonly known: string[][] = [];
  private readonly scannedAt: string;
  private cfg: DetectionConfig['assets'];

  /** services: per scanned address, its open "tcp/22" / "udp/53" entries. */
  constructor(services: Map<string, Set<string>>, scannedAt: string, cfg: DetectionConfig['assets']) {
    this.cfg = cfg;
    this.scannedAt = scannedAt;
    const k = new Uint32Array(4);
    for (const [addr, set] of services) {
      if (!parseAddressWords(addr, k, 0)) continue;
      const idx = this.addresses.length;
      if (!this.hosts.add(k, 0, 128, idx)) continue;
      this.addresses.push(addr);
      this.known.push([...set].sort());
      for (const s of set) {
        const [proto, port] = s.split('/');
        this.open.add(idx * 131072 + (proto === 'udp' ? 65536 : 0) + Number(port));
      }
    }
  }

  get scannedHosts(): number { return this.addresses.length; }

  configure(all: DetectionConfig): void {
    this.cfg = all.assets;
  }

  packet(c: PacketContext): void {
    if (!c.isIp || c.flowSlot < 0) return;
    const rec = c.rec;
    const p = rec.ipProto;
    let variant = 0;
    if (p === IPPROTO_TCP) {
      const f = rec.tcpFlags & (TCP_SYN | TCP_ACK);
      if (f === TCP_SYN && c.fromOrig && this.cfg.alertUnexpectedPorts) variant = VARIANT_UNEXPECTED_PORT;
      else if (f === (TCP_SYN | TCP_ACK) && !c.fromOrig) variant = VARIANT_NEW_SERVICE;
    } else if (p === IPPROTO_UDP && !c.fromOrig && c.flows.packets(c.flowSlot, 1) === 1) {
      variant = VARIANT_NEW_SERVICE;
    }
    if (variant === 0) return;
    // The server side: the destination of an attempt, the source of an answer.
    const serverOff = variant === VARIANT_UNEXPECTED_PORT ? 4 : 0;
    const idx = this.hosts.lookup(c.hosts.key, serverOff);
    if (idx < 0) return;
    const port = variant === VARIANT_UNEXPECTED_PORT ? rec.dstPort : rec.srcPort;
    if (this.open.has(idx * 131072 + (p === IPPROTO_UDP ? 65536 : 0) + port)) return;
    const server = this.addresses[idx];
    const service = `${p === IPPROTO_UDP ? 'udp' : 'tcp'}/${port}`;
    const client = variant === VARIANT_UNEXPECTED_PORT ? srcString(rec) : dstString(rec);
    // A new service is an incident per service; attempts on unknown ports are one incident per client
    // and server (a port scan of a scanned host is one incident, the ports in its count).
    const key = variant === VARIANT_NEW_SERVICE ? `asset_service|new|${server}|${service}` : `asset_service|port|${server}|${client}`;
    const src = variant === VARIANT_NEW_SERVICE ? server : client;
    const dst = variant === VARIANT_NEW_SERVICE ? client : server;
    if (c.hub.foldRepeat(key, c.t, this.name, src, dst, 1)) return;
    c.hub.raise({
      detector: this.name, variant,
      detail: variant === VARIANT_NEW_SERVICE
        ? `${server} answered on ${service}, which it did not offer at the scan of ${this.scannedAt} (to ${client})`
        : `${client} tried ${service} on ${server}, not a service it offered at the scan of ${this.scannedAt}`,
      key, src, dst,
      srcPort: rec.srcPort, dstPort: rec.dstPort, proto: protoName(rec),
      ...flowOf(c.flows, c.flowSlot),
      score: 1, threshold: 1,
      evidence: { server, service, client, scanned_at: this.scannedAt, known_services: this.known[idx] },
      window: 'since the scan',
    }, c.t);
  }
}
