// A flow's history is Zeek's: each side's letters in the order they first happened, one letter per packet
// by Zeek's rule. Checked two ways: against Zeek's own conn.log for the corpus copy of its mixed-vlan-mpls
// trace (zeek/zeek testing/btest/Baseline/core.vlan-mpls/conn.log), and flow by flow against the letters
// tshark's reading of every TCP packet gives by that rule, on the benign captures and three attacks.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS, corpusFiles } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-hist-'));

interface Flow { src_ip: string; src_port: number; dest_ip: string; dest_port: number; proto: string; history: string; conn_state: string; orig_pkts: number; resp_pkts: number; community_id: string }

function flowsOf(file: string): Flow[] {
  const out = join(dir, 'flows.json');
  const r = spawnSync(CLI, ['analyze', `${CORPUS}/${file}`, '--flows', out, '--summary', 'none', '-q', '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return readFileSync(out, 'utf8').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Flow);
}

test('histories, states and packet counts equal Zeek\'s conn.log for its mixed-vlan-mpls trace', () => {
  const got = flowsOf('edge/zeek_mixed-vlan-mpls.pcap').map((f) => `${f.src_ip}:${f.src_port} ${f.dest_ip}:${f.dest_port} ${f.conn_state} ${f.history} ${f.orig_pkts} ${f.resp_pkts}`);
  // Zeek's baseline: id.orig_h, id.orig_p, id.resp_h, id.resp_p, conn_state, history, orig_pkts, resp_pkts.
  assert.deepEqual(got.sort(), [
    '10.1.2.1:11001 10.34.0.1:23 SH SADF 11 0',
    '10.20.80.1:50343 10.0.0.15:80 SF ShADadfF 7 7',
    '141.42.64.125:56730 125.190.109.199:80 SF ShADdFaf 12 10',
  ]);
});

/** Zeek's letter for one TCP packet (update_history in its TCP session adapter), from tshark's flags and segment length. */
function letter(flags: number, len: number): string {
  const syn = (flags & 2) !== 0; const fin = (flags & 1) !== 0; const rst = (flags & 4) !== 0; const ack = (flags & 16) !== 0;
  const n = Number(syn) + Number(fin) + Number(rst);
  if (n > 1) return fin && rst ? 'I' : 'Q';
  if (n === 1) return syn ? (ack ? 'H' : 'S') : fin ? 'F' : 'R';
  if (len > 0) return 'D';
  return ack ? 'A' : '';
}

test('TCP histories follow packet order as tshark reads the packets (benign captures and three attacks)', { timeout: 300_000 }, () => {
  const files = [...corpusFiles('benign'), 'attack/bruteforce/zeek_ftp_bruteforce.pcap', 'attack/bruteforce/zeek_ssh_sshguess.pcap', 'attack/scan/ppa_synscan.pcapng'];
  let compared = 0;
  let ordered = 0;
  for (const f of files) {
    const ours = flowsOf(f).filter((x) => x.proto === 'TCP');
    // A Community ID used by one flow only (a reused 5-tuple makes several, which tshark cannot tell apart).
    const uses = new Map<string, number>();
    for (const x of ours) uses.set(x.community_id, (uses.get(x.community_id) ?? 0) + 1);
    const byId = new Map(ours.filter((x) => uses.get(x.community_id) === 1).map((x) => [x.community_id, x]));
    let text: string;
    try {
      text = execFileSync('tshark', ['-r', `${CORPUS}/${f}`, '-n', '--enable-protocol', 'communityid', '-o', 'ip.defragment:FALSE', '-o', 'ipv6.defragment:FALSE',
        '-o', 'tcp.analyze_sequence_numbers:FALSE', '-Y', 'tcp', '-T', 'fields', '-E', 'occurrence=f',
        '-e', 'communityid', '-e', 'ip.src', '-e', 'ipv6.src', '-e', 'tcp.srcport', '-e', 'tcp.flags', '-e', 'tcp.len', '-e', 'frame.cap_len', '-e', 'frame.len'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
    } catch (e) {
      text = String((e as { stdout?: string }).stdout ?? '');
    }
    const expected = new Map<string, { seen: Set<string>; h: string; truncated: boolean }>();
    for (const line of text.split('\n')) {
      const [cid, src4, src6, sport, flags, len, capLen, wireLen] = line.split('\t');
      const flow = cid ? byId.get(cid) : undefined;
      if (!flow) continue;
      const e = expected.get(cid) ?? { seen: new Set<string>(), h: '', truncated: false };
      expected.set(cid, e);
      if (capLen !== wireLen) e.truncated = true;
      const orig = (src4 || src6) === flow.src_ip && Number(sport) === flow.src_port;
      const l = letter(Number(flags), Number(len));
      if (l === '') continue;
      const key = orig ? l : l.toLowerCase();
      // Zeek marks S and H under one bit per side.
      const mark = key === 'H' ? 'S' : key === 'h' ? 's' : key;
      if (!e.seen.has(mark)) { e.seen.add(mark); e.h += key; }
    }
    const wrong: string[] = [];
    for (const [cid, e] of expected) {
      // A frame cut by the snap length hides its payload from netwatch, which counts captured bytes.
      if (e.truncated) continue;
      const flow = byId.get(cid)!;
      compared++;
      if (flow.history !== e.h) wrong.push(`${flow.src_ip}:${flow.src_port} -> ${flow.dest_ip}:${flow.dest_port} ${flow.history} expected ${e.h}`);
      // How many flows a fixed letter order would have got wrong: the check has teeth.
      if (e.h !== [...e.h].sort((a, b) => 'SsHhAaDdFfRrIiQq'.indexOf(a) - 'SsHhAaDdFfRrIiQq'.indexOf(b)).join('')) ordered++;
    }
    assert.deepEqual(wrong.slice(0, 3), [], `${f}: ${wrong.length} flows differ`);
  }
  assert.ok(compared > 1000, `compared ${compared} flows`);
  assert.ok(ordered > 50, `flows whose letters are not in a fixed order: ${ordered}`);
  console.log(`# histories compared: ${compared} TCP flows, ${ordered} of them not in a fixed letter order`);
});
