// Why a packet was not decoded to the end: a small closed set, counted per reason, never thrown.

export const enum DecodeStatus {
  Ok = 0,
  /** A link layer netwatch does not decode (counted; the frame still counts in totals). */
  UnsupportedLink = 1,
  /** Not IP and not ARP at layer 3 (LLDP, STP, IPX...): valid, just not analysed. */
  NonIp = 2,
  TruncatedLink = 3,
  TruncatedIp = 4,
  TruncatedTransport = 5,
  MalformedIp = 6,
  MalformedTransport = 7,
  TruncatedArp = 8,
}

export const DECODE_STATUS_COUNT = 9;

export const DECODE_STATUS_NAMES: readonly string[] = [
  'ok',
  'unsupported-link',
  'non-ip',
  'truncated-link',
  'truncated-ip',
  'truncated-transport',
  'malformed-ip',
  'malformed-transport',
  'truncated-arp',
];
