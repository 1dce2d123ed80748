// Each flow's Community ID equals the one tshark computes for its packets, on the attack and benign captures
// and the tunnel captures (tshark hashes the packet inside a tunnel, as netwatch tracks it).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS, corpusFiles } from '../support/corpus.js';

/**
 * Skipped: later IP fragments (tshark hashes them without ports, netwatch counts them in their datagram's
 * flow), and tunnelled packets with no IP transport inside (ARP, IPv6 with no next header), for which
 * tshark hashes the tunnel's own UDP header: netwatch tracks the packets inside a tunnel, not the tunnel.
 */
const TUNNELS = ['edge/zeek_tunnels_vxlan.pcap', 'edge/zeek_tunnels_gre-sample.pcap', 'edge/zeek_tunnels_geneve.pcap', 'edge/zeek_tunnels_6in4.pcap',
  'edge/zeek_tunnels_Teredo.pcap', 'edge/zeek_erspanII.pcap', 'edge/tcpdump_pptp.pcap'];
const dir = mkdtempSync(join(tmpdir(), 'nw-cid-'));

test('Community IDs match tshark on every attack and benign capture, and inside tunnels', { timeout: 300_000 }, () => {
  const files = [...corpusFiles('attack'), ...corpusFiles('benign'), ...TUNNELS];
  assert.ok(files.length >= 20);
  let compared = 0;
  const problems: string[] = [];
  for (const f of files) {
    const out = join(dir, 'flows.json');
    const r = spawnSync(CLI, ['analyze', `${CORPUS}/${f}`, '--flows', out, '--summary', 'none', '-q'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const ours = new Set<string>();
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      if (line === '') continue;
      const flow = JSON.parse(line) as { community_id: string; proto: string };
      if (flow.proto !== 'IPv6-NoNxt') ours.add(flow.community_id);
    }
    const text = execFileSync('tshark', ['-r', `${CORPUS}/${f}`, '-n', '--enable-protocol', 'communityid', '-o', 'ip.defragment:FALSE',
      '-o', 'ipv6.defragment:FALSE', '-T', 'fields', '-E', 'occurrence=l', '-e', 'communityid', '-e', 'ip.frag_offset', '-e', 'arp.opcode', '-e', 'ipv6.nxt'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
    const theirs = new Set<string>();
    for (const line of text.split('\n')) {
      const [cid, frag, arp, nxt] = line.split('\t');
      if (!cid || (frag !== undefined && frag !== '' && frag !== '0') || arp || nxt === '59') continue;
      theirs.add(cid);
    }
    const onlyOurs = [...ours].filter((x) => !theirs.has(x));
    const onlyTheirs = [...theirs].filter((x) => !ours.has(x));
    if (onlyOurs.length + onlyTheirs.length > 0) problems.push(`${f}: ${onlyOurs.length} only netwatch, ${onlyTheirs.length} only tshark`);
    compared += ours.size;
  }
  assert.deepEqual(problems, []);
  assert.ok(compared > 55_000, `compared ${compared} flows`);
});
