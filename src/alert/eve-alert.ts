// The alert record, shaped like a Suricata EVE alert event with netwatch's own section.

export interface EveAlert {
  timestamp: string;
  /** The flow's number in this run, as the flow records have it (Suricata's flow_id; unique within a run). */
  flow_id?: number;
  event_type: 'alert';
  src_ip: string;
  src_port?: number;
  dest_ip: string;
  dest_port?: number;
  proto: string;
  icmp_type?: number;
  icmp_code?: number;
  community_id?: string;
  alert: { action: 'allowed'; gid: 1; signature_id: number; rev: 1; signature: string; category: string; severity: number };
  netwatch: {
    detector: string;
    score: number;
    threshold: number;
    evidence: Record<string, unknown>;
    window: string;
    loss: { ring_drops: number; kernel_drops: number; percent: number; heavy: boolean } | { source: 'file' };
    incident_id: number;
    /** Threat-intelligence matches of the alert's addresses (when feeds are loaded and one matches). */
    intel?: { ip: string; feed: string; indicator: string; category: string }[];
  };
  pcap_filename?: string;
  pcap_cnt?: number;
}

export interface Incident {
  id: number;
  detector: string;
  signature: string;
  key: string;
  src_ip: string;
  dest_ip: string;
  first_seen: string;
  last_seen: string;
  /** Times the detector fired (alerts raised plus those folded in by suppression). */
  count: number;
  alerts: number;
  peak_score: number;
  /** What the detector said at the peak ("SYN scan of ... (1054 ports)"): the first alert's text is from when it crossed the threshold. */
  peak_detail: string;
}

/**
 * The same form for a packet time held as seconds in a double (flow first-seen): rounded to the microsecond.
 * A double near 1.3e9 s is exact only to about 0.24 µs, so cutting the fraction printed 20:24:16.274869
 * for the packet at .274870 in about half the flows.
 */
export function epochTimestamp(t: number): string {
  let sec = Math.floor(t);
  let us = Math.round((t - sec) * 1e6);
  if (us >= 1_000_000) { sec += 1; us -= 1_000_000; }
  return eveTimestamp(sec, us * 1000);
}

/** Suricata's timestamp form: 2010-07-04T20:24:18.123456+0000. */
export function eveTimestamp(sec: number, nsec: number): string {
  const d = new Date(sec * 1000);
  const base = Number.isNaN(d.getTime()) ? new Date(0).toISOString() : d.toISOString();
  return `${base.slice(0, 19)}.${Math.floor(nsec / 1000).toString().padStart(6, '0')}+0000`;
}
