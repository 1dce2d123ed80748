// Each flow's Community ID equals the one tshark computes for its packets, on the attack and benign captures.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS, corpusFiles } from '../support/corpus.js';

/** Tunnels (tshark hashes the inner packet); later IP fragments are skipped too (tshark hashes them without ports, netwatch counts them in their datagram's flow). */
const TUNNEL_PROTOS = new Set(['4', '41', '47']);
const dir = mkdtempSync(join(tmpdir(), 'nw-cid-'));

test('Community IDs match tshark on every attack and benign capture', { timeout: 300_000 }, () => {
  const files = [...corpusFiles('attack'), ...corpusFiles('benign')];
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
      if (!['GRE', 'IPIP', 'IPv6'].includes(flow.proto)) ours.add(flow.community_id);
    }
    const text = execFileSync('tshark', ['-r', `${CORPUS}/${f}`, '-n', '--enable-protocol', 'communityid', '-o', 'ip.defragment:FALSE',
      '-o', 'ipv6.defragment:FALSE', '-T', 'fields', '-E', 'occurrence=f', '-e', 'communityid', '-e', 'ip.frag_offset', '-e', 'ip.proto'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
    const theirs = new Set<string>();
    for (const line of text.split('\n')) {
      const [cid, frag, proto] = line.split('\t');
      if (!cid || (frag !== undefined && frag !== '' && frag !== '0') || TUNNEL_PROTOS.has(proto)) continue;
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
