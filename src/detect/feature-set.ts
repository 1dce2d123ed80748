// The model's feature vector: what each position means, how it is scaled, and the id a model file
// carries so a model made for another feature set is refused. Documented in docs/model.md.

import { createHash } from 'node:crypto';

export interface FeatureInfo {
  /** Stable name, as written in model files and alerts. */
  name: string;
  /** How an operator reads it in an explanation ("unique destination ports 812 (...)"). */
  label: string;
  /** Counts are fed to the model as log1p(x); ratios and shares (0..1) as they are. */
  kind: 'count' | 'ratio';
  /**
   * Describes whole connections (their bytes and duration from their first packet, which may be long
   * before the window) rather than what the window holds: not bounded by the window, so a benign
   * download or session closing after an hour lies arbitrarily far past the training range, and the
   * range extension (range-extension.ts) leaves these features to the forest.
   */
  perConnection?: true;
  /**
   * Counted by a distinct-count sketch (linear counting, 1024 bits): within a few per cent of the true
   * count once it is in the hundreds, so an explanation says "about". Presentation only: not in the id.
   */
  estimated?: true;
  /**
   * A mean, maximum, share or per-peer figure of the packets the host sent (or received): no value at all
   * in a window where it sent (received) none, so an explanation leaves it out there ("max packet length
   * sent 0, 14 MADs below" for a victim that sent nothing). Presentation only: not in the id.
   */
  over?: 'sent' | 'received';
}

export const FEATURES: readonly FeatureInfo[] = Object.freeze([
  { name: 'packets_out', label: 'packets sent', kind: 'count' },
  { name: 'bytes_out', label: 'bytes sent', kind: 'count' },
  { name: 'packets_in', label: 'packets received', kind: 'count' },
  { name: 'bytes_in', label: 'bytes received', kind: 'count' },
  { name: 'unique_dsts', label: 'unique destinations', kind: 'count', estimated: true },
  { name: 'unique_dst_ports', label: 'unique destination ports', kind: 'count', estimated: true },
  { name: 'unique_src_ports', label: 'unique source ports', kind: 'count', estimated: true },
  { name: 'unique_srcs_in', label: 'unique peers sending to it', kind: 'count', estimated: true },
  { name: 'unique_ports_in', label: 'unique local ports contacted', kind: 'count', estimated: true },
  { name: 'mean_pkt_len_out', label: 'mean packet length sent', kind: 'count', over: 'sent' },
  { name: 'max_pkt_len_out', label: 'max packet length sent', kind: 'count', over: 'sent' },
  { name: 'port_ratio', label: 'destination ports per destination', kind: 'count', over: 'sent' },
  { name: 'pkts_per_dst', label: 'packets per destination', kind: 'count', over: 'sent' },
  { name: 'syn_ratio_out', label: 'SYN share of TCP sent', kind: 'ratio', over: 'sent' },
  { name: 'fin_ratio_out', label: 'FIN share of TCP sent', kind: 'ratio', over: 'sent' },
  { name: 'rst_ratio_out', label: 'RST share of TCP sent', kind: 'ratio', over: 'sent' },
  { name: 'failed_conn_ratio', label: 'share of SYNs sent not answered by SYN-ACK', kind: 'ratio' },
  { name: 'syn_ratio_in', label: 'SYN share of TCP received', kind: 'ratio', over: 'received' },
  { name: 'rst_ratio_in', label: 'RST share of TCP received', kind: 'ratio', over: 'received' },
  { name: 'icmp_share', label: 'ICMP share of packets', kind: 'ratio' },
  { name: 'udp_share', label: 'UDP share of packets', kind: 'ratio' },
  { name: 'ttl_mean_out', label: 'mean TTL / hop limit sent', kind: 'count', over: 'sent' },
  { name: 'ttl_std_out', label: 'TTL standard deviation sent', kind: 'count', over: 'sent' },
  { name: 'tcp_window_mean_out', label: 'mean TCP window sent', kind: 'count', over: 'sent' },
  { name: 'dns_queries', label: 'DNS queries sent', kind: 'count' },
  { name: 'dns_name_entropy', label: 'mean DNS query name entropy (bits/char)', kind: 'count' },
  { name: 'dns_name_len', label: 'mean DNS query name length', kind: 'count' },
  { name: 'conns_out', label: 'TCP connections opened (SYN sent)', kind: 'count' },
  { name: 'conns_per_service', label: 'connections per destination service', kind: 'count' },
  { name: 'pkts_per_conn_out', label: 'packets sent per connection opened', kind: 'count' },
  { name: 'icmp_out', label: 'ICMP packets sent', kind: 'count' },
  { name: 'udp_out', label: 'UDP packets sent', kind: 'count' },
  { name: 'failed_conns', label: 'SYNs sent not answered by SYN-ACK', kind: 'count' },
  { name: 'rst_in', label: 'RSTs received', kind: 'count' },
  { name: 'closed_conns', label: 'TCP connections it opened that closed (FIN or RST)', kind: 'count' },
  { name: 'conn_bytes_mean', label: 'mean bytes per closed connection (both ways)', kind: 'count', perConnection: true },
  { name: 'conn_dur_mean', label: 'mean duration of closed connections (s)', kind: 'count', perConnection: true },
  { name: 'conn_bytes_spread', label: 'spread of bytes per closed connection (std of ln bytes)', kind: 'count', perConnection: true },
  { name: 'conn_dur_spread', label: 'spread of closed connection durations (std of ln(1 + s))', kind: 'count', perConnection: true },
  { name: 'repeat_conns', label: 'closed connections the size of the one before (within a factor of 1.28)', kind: 'count' },
  { name: 'unreach_in', label: 'ICMP destination unreachable received', kind: 'count' },
  { name: 'unanswered_syns_in', label: 'SYNs received beyond the SYN-ACKs and RSTs sent', kind: 'count' },
  { name: 'unsolicited_synacks_in', label: 'SYN-ACKs received beyond the SYNs sent (backscatter, reflection)', kind: 'count' },
  { name: 'auth_conns_out', label: 'TCP connections opened to authentication services (SSH, FTP, mail, RDP, SQL...)', kind: 'count' },
]);

/** The services auth_conns_out counts, and the brute-force detector's default ports; fixed here, not read from the config. */
export const AUTH_SERVICE_PORTS: readonly number[] = Object.freeze([21, 22, 23, 25, 110, 143, 445, 465, 587, 993, 995, 1433, 3306, 3389, 5432, 5900]);

export const FEATURE_COUNT = FEATURES.length;

/** Bumped when the meaning of a feature changes without its name changing. */
const FEATURE_SEMANTICS = 1;

/** Names the feature set: a model is only valid for the set it was trained on. */
export const FEATURE_SET_ID = 'fs' + FEATURE_SEMANTICS + '-' +
  createHash('sha256').update(FEATURES.map((f) => `${f.name}:${f.kind}${f.perConnection === true ? ':conn' : ''}`).join(',')).digest('hex').slice(0, 12);

export const FEATURE_INDEX: Readonly<Record<string, number>> = Object.freeze(Object.fromEntries(FEATURES.map((f, i) => [f.name, i])));

/** Which way a feature looks: at what the host sent, at what it received (the *_in features), or both. */
export function featureSide(name: string): 'sent' | 'received' | 'both' {
  if (name.endsWith('_in')) return 'received';
  if (name === 'icmp_share' || name === 'udp_share') return 'both';
  return 'sent';
}

/** The model's view of a raw feature row: log1p on counts, ratios unchanged. Writes into out. */
export function transformRow(raw: ArrayLike<number>, out: Float64Array): Float64Array {
  for (let i = 0; i < FEATURE_COUNT; i++) out[i] = FEATURES[i].kind === 'count' ? Math.log1p(Math.max(0, raw[i])) : raw[i];
  return out;
}
