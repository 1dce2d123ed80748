// A fragmented datagram's later fragments (no ports) are counted in the flow of its first fragment. The
// expected counts come from tshark without reassembly: each frame's Community ID, and the fragments of one
// datagram grouped by source, destination, protocol and identification, added to the Community ID of the
// group's first fragment (offset 0). Four corpus captures: IPv4 fragments in and out of order and repeated,
// IPv6 fragment headers, a fragmented TCP segment (Zeek's trace), and a fragmented DNS amplification.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-frag-'));
const FILES = [
  'edge/pcapplusplus_ip4_fragments.pcap', 'edge/pcapplusplus_ip6_fragments.pcap', 'edge/zeek_ipv4_fragmented-3.pcap',
  'attack/dos/stopddos_amp.dns.RRSIG.fragmented.pcap',
];
const FIELDS = ['frame.len', 'communityid', 'ip.src', 'ip.dst', 'ip.proto', 'ip.id', 'ip.frag_offset', 'ip.flags.mf',
  'ipv6.src', 'ipv6.dst', 'ipv6.fraghdr.nxt', 'ipv6.fraghdr.ident', 'ipv6.fraghdr.offset', 'ipv6.fraghdr.more'];

interface Counts { packets: number; bytes: number }

/** Packets and bytes per Community ID with every later fragment added to its datagram's first fragment's ID. */
function expected(path: string): { byId: Map<string, Counts>; later: number; laterInFlows: number } {
  const text = execFileSync('tshark', ['-r', path, '-n', '--enable-protocol', 'communityid', '-o', 'ip.defragment:FALSE',
    '-o', 'ipv6.defragment:FALSE', '-T', 'fields', '-E', 'occurrence=f', ...FIELDS.flatMap((f) => ['-e', f])],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
  const byId = new Map<string, Counts>();
  const add = (id: string, packets: number, bytes: number): void => {
    const c = byId.get(id) ?? { packets: 0, bytes: 0 };
    c.packets += packets; c.bytes += bytes;
    byId.set(id, c);
  };
  // Per datagram: its first fragment's Community ID, and the frames of its later fragments.
  const datagrams = new Map<string, { id: string | null; packets: number; bytes: number }>();
  let later = 0;
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const v = Object.fromEntries(line.split('\t').map((x, i) => [FIELDS[i], x]));
    const len = Number(v['frame.len']);
    const v6 = v['ipv6.fraghdr.ident'] !== '' && v['ipv6.fraghdr.ident'] !== undefined;
    const offset = Number(v6 ? v['ipv6.fraghdr.offset'] : v['ip.frag_offset'] || 0);
    const more = v6 ? v['ipv6.fraghdr.more'] === 'True' || v['ipv6.fraghdr.more'] === '1' : v['ip.flags.mf'] === 'True' || v['ip.flags.mf'] === '1';
    if (offset === 0 && !more) {
      if (v.communityid) add(v.communityid, 1, len);
      continue;
    }
    const key = v6 ? `${v['ipv6.src']} ${v['ipv6.dst']} ${v['ipv6.fraghdr.nxt']} ${v['ipv6.fraghdr.ident']}` : `${v['ip.src']} ${v['ip.dst']} ${v['ip.proto']} ${v['ip.id']}`;
    const d = datagrams.get(key) ?? { id: null, packets: 0, bytes: 0 };
    datagrams.set(key, d);
    if (offset === 0) {
      d.id = v.communityid;
      add(d.id, 1, len);
    } else {
      later++;
      d.packets++;
      d.bytes += len;
    }
  }
  let laterInFlows = 0;
  for (const d of datagrams.values()) {
    if (!d.id) continue;
    add(d.id, d.packets, d.bytes);
    laterInFlows += d.packets;
  }
  return { byId, later, laterInFlows };
}

test('later IP fragments are counted in their datagram\'s flow, as tshark groups them (IPv4, IPv6, out of order, four captures)', { timeout: 120_000 }, () => {
  let laterTotal = 0;
  for (const f of FILES) {
    const out = join(dir, 'flows.json');
    const r = spawnSync(CLI, ['analyze', `${CORPUS}/${f}`, '--flows', out, '--summary', 'json', '-q', '--no-store'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ours = new Map<string, Counts>();
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      if (line === '') continue;
      const flow = JSON.parse(line) as { community_id: string; proto: string; orig_pkts: number; resp_pkts: number; orig_bytes: number; resp_bytes: number };
      // Tunnels: tshark hashes the inner packet (community-id.test.ts).
      if (['GRE', 'IPIP', 'IPv6'].includes(flow.proto)) continue;
      const c = ours.get(flow.community_id) ?? { packets: 0, bytes: 0 };
      c.packets += flow.orig_pkts + flow.resp_pkts;
      c.bytes += flow.orig_bytes + flow.resp_bytes;
      ours.set(flow.community_id, c);
    }
    const { byId, later, laterInFlows } = expected(`${CORPUS}/${f}`);
    assert.ok(later > 0, `${f}: no later fragments in tshark's reading`);
    laterTotal += later;
    const wrong = [...ours].filter(([id, c]) => { const e = byId.get(id); return !e || e.packets !== c.packets || e.bytes !== c.bytes; });
    assert.deepEqual(wrong.slice(0, 3).map(([id, c]) => [id, c, byId.get(id)]), [], `${f}: ${wrong.length} of ${ours.size} flows differ`);
    const missing = [...byId.keys()].filter((id) => !ours.has(id));
    assert.deepEqual(missing.slice(0, 3), [], `${f}: ${missing.length} of tshark's Community IDs have no flow`);
    const frag = (JSON.parse(r.stdout) as { detection: { flows: { laterFragments?: { seen: number; inFlows: number } } } }).detection.flows.laterFragments;
    assert.equal(frag?.seen, later, `${f}: later fragments seen`);
    assert.equal(frag?.inFlows, laterInFlows, `${f}: later fragments counted in flows`);
  }
  assert.ok(laterTotal >= 800, `later fragments compared: ${laterTotal}`);
});
