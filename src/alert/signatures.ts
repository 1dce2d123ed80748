// The fixed signature_id range of each detector and its EVE category and severity (1 high .. 3 low).

export interface SignatureInfo {
  /** First id of the detector's range of 100; variants add to it. */
  base: number;
  name: string;
  category: string;
  severity: 1 | 2 | 3;
}

export const SIGNATURES = {
  port_scan: { base: 9100100, name: 'Port scan', category: 'Attempted Information Leak', severity: 2 },
  host_sweep: { base: 9100200, name: 'Host sweep', category: 'Attempted Information Leak', severity: 2 },
  syn_flood: { base: 9100300, name: 'SYN flood', category: 'Attempted Denial of Service', severity: 1 },
  icmp_flood: { base: 9100400, name: 'ICMP flood', category: 'Attempted Denial of Service', severity: 1 },
  udp_flood: { base: 9100500, name: 'UDP flood', category: 'Attempted Denial of Service', severity: 1 },
  reflection: { base: 9100600, name: 'Reflection/amplification flood', category: 'Attempted Denial of Service', severity: 1 },
  brute_force: { base: 9100700, name: 'Brute force', category: 'Attempted User Privilege Gain', severity: 1 },
  slowloris: { base: 9100800, name: 'Slow HTTP (slowloris)', category: 'Attempted Denial of Service', severity: 2 },
  dns_tunnel: { base: 9100900, name: 'DNS tunnelling', category: 'Potential Corporate Privacy Violation', severity: 2 },
  icmp_tunnel: { base: 9101000, name: 'ICMP tunnelling / covert channel', category: 'Potential Corporate Privacy Violation', severity: 2 },
  high_traffic: { base: 9101100, name: 'High-traffic host', category: 'Unusual Client Port Connection', severity: 3 },
  rare_service: { base: 9101200, name: 'Rare protocol or service', category: 'Unusual Client Port Connection', severity: 3 },
  arp_spoof: { base: 9101300, name: 'ARP spoofing', category: 'Attempted Administrator Privilege Gain', severity: 1 },
  asset_service: { base: 9101600, name: 'Service not in the last scan', category: 'Unusual Client Port Connection', severity: 2 },
  intel: { base: 9101500, name: 'Threat intelligence match', category: 'Potentially Bad Traffic', severity: 1 },
  anomaly: { base: 9101400, name: 'Anomalous host behaviour (model)', category: 'Misc activity', severity: 2 },
} as const satisfies Record<string, SignatureInfo>;

export type DetectorName = keyof typeof SIGNATURES;

/** Severity names as operators type them, and the numbers (1 high .. 3 low) EVE carries. */
export const SEVERITY_NAMES = ['high', 'medium', 'low'] as const;

/** "high", "medium", "low" (any case) or "1".."3" as a severity number; undefined for anything else. */
export function parseSeverity(text: string): number | undefined {
  const i = SEVERITY_NAMES.indexOf(text.toLowerCase() as typeof SEVERITY_NAMES[number]);
  if (i >= 0) return i + 1;
  return /^[123]$/.test(text) ? Number(text) : undefined;
}
