// nmap's XML output (-oX) read into hosts and their ports, with fast-xml-parser (a maintained,
// dependency-free parser: nmap XML is plain elements and attributes, nothing a hand parser should guess at).

import { XMLParser } from 'fast-xml-parser';

export interface ScannedService {
  proto: 'tcp' | 'udp' | 'sctp';
  port: number;
  state: string;
  service: string | null;
  product: string | null;
  version: string | null;
}

export interface ScannedHost {
  address: string;
  mac: string | null;
  hostnames: string[];
  os: string | null;
  services: ScannedService[];
}

export interface NmapScan {
  /** Scan start, epoch seconds. */
  startedEpoch: number;
  args: string | null;
  hosts: ScannedHost[];
}

type Node = Record<string, unknown>;
const list = (v: unknown): Node[] => (v === undefined || v === null ? [] : Array.isArray(v) ? v as Node[] : [v as Node]);
const str = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : typeof v === 'number' ? String(v) : null);

/** Parses nmap XML; throws Error with a reason when the text is not an nmap run. */
export function parseNmapXml(text: string): NmapScan {
  const parser = new XMLParser({ ignoreAttributes: false, attributeNamePrefix: '', parseAttributeValue: false, processEntities: true });
  let doc: Node;
  try {
    doc = parser.parse(text, true) as Node;
  } catch (e) {
    // fast-xml-parser says "char '#' is not expected.:1:1": put the place first, as a reader looks for it.
    const m = /^(.*?)\.?:(\d+):(\d+)$/.exec((e as Error).message.split('\n')[0]);
    const why = m === null ? (e as Error).message.split('\n')[0] : `line ${m[2]}, column ${m[3]}: ${m[1]}`;
    throw new Error(`not nmap XML output (not well-formed XML at ${why}; make it with nmap -oX FILE)`);
  }
  const run = doc.nmaprun as Node | undefined;
  if (run === undefined) throw new Error('not nmap XML output (no <nmaprun> element; make it with nmap -oX FILE)');
  const hosts: ScannedHost[] = [];
  for (const h of list(run.host)) {
    const status = (h.status as Node | undefined)?.state;
    if (status !== undefined && status !== 'up') continue;
    const addrs = list(h.address);
    const ip = addrs.find((a) => a.addrtype === 'ipv4' || a.addrtype === 'ipv6');
    if (ip === undefined || str(ip.addr) === null) continue;
    const mac = addrs.find((a) => a.addrtype === 'mac');
    const hostnames = list((h.hostnames as Node | undefined)?.hostname).map((n) => str(n.name)).filter((n): n is string => n !== null);
    const osmatch = list((h.os as Node | undefined)?.osmatch)[0];
    const services: ScannedService[] = [];
    for (const p of list((h.ports as Node | undefined)?.port)) {
      const proto = p.protocol;
      const port = Number(p.portid);
      if ((proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') || !Number.isInteger(port) || port < 0 || port > 65535) continue;
      const svc = p.service as Node | undefined;
      services.push({
        proto, port, state: str((p.state as Node | undefined)?.state) ?? 'unknown',
        service: str(svc?.name), product: str(svc?.product), version: str(svc?.version),
      });
    }
    hosts.push({ address: str(ip.addr)!, mac: mac ? str(mac.addr) : null, hostnames, os: osmatch ? str(osmatch.name) : null, services });
  }
  const start = Number(run.start);
  return { startedEpoch: Number.isFinite(start) ? start : Date.now() / 1000, args: str(run.args), hosts };
}
