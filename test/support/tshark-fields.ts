// Runs tshark over a capture and returns, per frame number, the first value of each requested field, and
// every value (a tunnelled packet has one per header of the kind, outermost first).

import { execFileSync } from 'node:child_process';

export const TSHARK_FIELDS = [
  'frame.number', 'frame.len', 'ip.src', 'ip.dst', 'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport',
  'udp.srcport', 'udp.dstport', 'tcp.flags', 'icmp.type', 'icmpv6.type', 'dns.qry.name',
] as const;

export type TsharkField = (typeof TSHARK_FIELDS)[number];
export type TsharkRow = Record<TsharkField, string> & { all: Record<TsharkField, string[]> };

export function tsharkRows(path: string): Map<number, TsharkRow> {
  const args = ['-r', path, '-n', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
    '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=|', '-E', 'separator=\t'];
  for (const f of TSHARK_FIELDS) args.push('-e', f);
  let out: string;
  try {
    out = execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 1 << 30, stdio: ['ignore', 'pipe', 'ignore'] });
  } catch (e) {
    // tshark exits non-zero on files that end early or have corrupt records, after printing what it read.
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const rows = new Map<number, TsharkRow>();
  for (const line of out.split('\n')) {
    if (line === '') continue;
    const cols = line.split('\t');
    const row = { all: {} } as TsharkRow;
    TSHARK_FIELDS.forEach((f, i) => {
      const all = (cols[i] ?? '').split('|');
      row[f] = all[0];
      row.all[f] = all;
    });
    rows.set(Number(row['frame.number']), row);
  }
  return rows;
}
