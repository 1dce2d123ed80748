// A flow's `ts` is the time of its first packet to the microsecond, as tshark reads it: the flow table
// holds packet time as seconds in a double (exact to about 0.24 µs near 1.3e9), and cutting the fraction
// printed 20:24:16.274869 for the packet at .274870 in about half of the flows, so flows could not be
// joined to packets or alerts by time.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI, CORPUS } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-ftime-'));

/** Microseconds since the epoch of an EVE timestamp (2010-07-04T20:24:16.274870+0000). */
function eveMicros(ts: string): bigint {
  const m = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d)\.(\d{6})\+0000$/.exec(ts);
  assert.ok(m, ts);
  return BigInt(Date.parse(`${m[1]}Z`)) * 1000n + BigInt(m[2]);
}

/** Microseconds of tshark's frame.time_epoch (1278275056.274870000), rounded to the microsecond. */
function tsharkMicros(epoch: string): bigint {
  const [s, frac] = epoch.split('.');
  const ns = BigInt((frac ?? '').padEnd(9, '0').slice(0, 9));
  return BigInt(s) * 1_000_000n + (ns + 500n) / 1000n;
}

test('flow start times equal the first packet time tshark reads, to the microsecond (three corpus captures)', { timeout: 120_000 }, () => {
  let compared = 0;
  for (const f of ['attack/scan/ppa_synscan.pcapng', 'attack/dos/stopddos_pkt.TCP.synflood.spoofed.pcap', 'attack/bruteforce/zeek_ftp_bruteforce.pcap']) {
    const out = join(dir, 'flows.json');
    const r = spawnSync(CLI, ['analyze', `${CORPUS}/${f}`, '--flows', out, '--summary', 'none', '-q', '--no-store'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    // Earliest packet per Community ID on each side (a reused 5-tuple makes several flows of one ID).
    const ours = new Map<string, bigint>();
    for (const line of readFileSync(out, 'utf8').split('\n')) {
      if (line === '') continue;
      const flow = JSON.parse(line) as { ts: string; community_id: string };
      const t = eveMicros(flow.ts);
      const had = ours.get(flow.community_id);
      if (had === undefined || t < had) ours.set(flow.community_id, t);
    }
    const text = execFileSync('tshark', ['-r', `${CORPUS}/${f}`, '-n', '--enable-protocol', 'communityid', '-T', 'fields', '-E', 'occurrence=f',
      '-e', 'communityid', '-e', 'frame.time_epoch'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
    const theirs = new Map<string, bigint>();
    for (const line of text.split('\n')) {
      const [cid, epoch] = line.split('\t');
      if (!cid || !epoch) continue;
      const t = tsharkMicros(epoch);
      const had = theirs.get(cid);
      if (had === undefined || t < had) theirs.set(cid, t);
    }
    const wrong = [...ours].filter(([cid, t]) => theirs.get(cid) !== t);
    assert.deepEqual(wrong.slice(0, 3).map(([cid, t]) => [cid, String(t), String(theirs.get(cid))]), [], `${f}: ${wrong.length} of ${ours.size} flows`);
    compared += ours.size;
  }
  assert.ok(compared > 30_000, `compared ${compared} flows`);
});
