// Every file in corpus/edge goes through `netwatch analyze` without a crash, with its outcome asserted.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { CLI, CORPUS, corpusFiles } from '../support/corpus.js';

interface Expect {
  exit: 0 | 1;
  packets?: number;
  /** Decode outcomes other than ok that must be present, with counts. */
  decode?: Record<string, number>;
  stderr?: RegExp;
}

/** Outcomes per file, from CATALOG.md and the file's structure. Files not listed: exit 0, all packets, no crash. */
const EXPECT: Record<string, Expect> = {
  'edge/zeek_empty.pcap': { exit: 0, packets: 0, stderr: /zeek_empty\.pcap: the file holds no packets\n/ },
  'edge/tcpdump_empty.pcapng': { exit: 0, packets: 0 },
  'edge/pcapplusplus_microsecs_big_endian.pcap': { exit: 0, packets: 13, decode: { 'unsupported-link': 13 } },
  'edge/pcapplusplus_nanosecs_big_endian.pcap': { exit: 0, packets: 10, decode: {} },
  'edge/pcapplusplus_null_loopback.pcap': { exit: 0, packets: 3 },
  'edge/pcapplusplus_raw_ip.pcap': { exit: 0, packets: 100, decode: {} },
  'edge/pcapplusplus_linktype_ipv4.pcap': { exit: 0, packets: 2, decode: {} },
  'edge/pcapplusplus_linktype_ipv6.pcap': { exit: 0, packets: 1, decode: {} },
  'edge/pcapplusplus_many_interfaces-1.pcapng': { exit: 0, packets: 64, decode: {} },
  'edge/pcapplusplus_sll.pcap': { exit: 0, packets: 518, decode: {} },
  'edge/zeek_tcp_truncated-header.pcap': { exit: 0, packets: 24, decode: { 'truncated-transport': 1 } },
  'edge/zeek_trunc_ip4-trunc.pcap': { exit: 0, packets: 1, decode: { 'truncated-ip': 1 } },
  'edge/zeek_trunc_ip6-ext-trunc.pcap': { exit: 0, packets: 1, decode: { 'malformed-ip': 1 } },
  'edge/zeek_ip-bogus-header-len.pcap': { exit: 0, packets: 1, decode: { 'malformed-ip': 1 } },
  'edge/tcpdump_ipv4_invalid_hdr_length.pcap': { exit: 0, packets: 1, decode: { 'malformed-ip': 1 } },
  'edge/tcpdump_LINKTYPE_IPV4_invalid.pcap': { exit: 0, packets: 1, decode: { 'malformed-ip': 1 } },
  'edge/tcpdump_bad-ipv4-version-pgm-heapoverflow.pcap': { exit: 0, packets: 1, decode: { 'malformed-ip': 1 } },
  'edge/tcpdump_ipv6-bad-version.pcap': { exit: 0, packets: 4, decode: { 'malformed-ip': 2 } },
  'edge/tcpdump_ip6_frag_asan.pcap': { exit: 0, packets: 1, decode: { 'truncated-ip': 1 } },
  'edge/tcpdump_heapoverflow-tcp_print.pcap': { exit: 0, packets: 1, decode: { 'truncated-transport': 1 } },
  'edge/tcpdump_lisp_invalid_length.pcap': { exit: 0, packets: 1, decode: {} },
  'edge/tcpdump_timestamp_invalid_nano.pcap': { exit: 0, packets: 3, stderr: /out-of-range timestamp fraction/ },
  'edge/zeek_tcp_timestamp.pcap': { exit: 0, packets: 878, decode: {} },
  'edge/sv_http-mime-truncated_cut.pcap': {
    exit: 0, packets: 2696, stderr: /ends in the middle of a packet record at byte offset 2715459; the 2696 whole packets/,
  },
  // Corrupt part way: analysed up to the bad record (as libpcap reads them), the rest not read, exit 1.
  'edge/sv_tls_DER_corrupt_rechdr.pcap': {
    exit: 1, packets: 6,
    stderr: /corrupt packet record at byte offset 5035: captured length 4325376 exceeds 262144; the 6 packets before it were analysed, the rest of the file \(661 bytes\) was not read/,
  },
  'edge/sv_bug-6875_fuzz_corrupt_rechdr.pcap': {
    exit: 1, packets: 1, stderr: /corrupt packet record at byte offset 228: captured length 1409179648 exceeds 262144; the 1 packet before it was analysed/,
  },
};

test('every edge-case capture is processed without a crash, with the expected outcome', { timeout: 300_000 }, () => {
  const files = corpusFiles('edge');
  assert.ok(files.length >= 40, `found only ${files.length} edge files`);
  for (const f of files) {
    const r = spawnSync(CLI, ['analyze', `${CORPUS}/${f}`, '--summary', 'json', '-q'], { encoding: 'utf8' });
    const exp = EXPECT[f] ?? { exit: 0 };
    assert.equal(r.status, exp.exit, `${f}: exit ${r.status} (signal ${r.signal}), stderr: ${r.stderr}`);
    assert.doesNotMatch(r.stderr, /internal error|at .*\.js:\d+/, `${f}: ${r.stderr}`);
    if (exp.stderr) assert.match(r.stderr, exp.stderr, f);
    // Exit 1 only for a file corrupt part way, whose packets before the damage are still summarised.
    const summary = JSON.parse(r.stdout) as { packets: number; decode: Record<string, number>; files: { damage?: string }[] };
    assert.equal(summary.files[0].damage !== undefined, exp.exit === 1, `${f}: damage in the summary exactly when exit 1`);
    if (exp.packets !== undefined) assert.equal(summary.packets, exp.packets, f);
    if (exp.decode !== undefined) {
      const notOk = Object.fromEntries(Object.entries(summary.decode).filter(([k]) => k !== 'ok' && k !== 'non-ip'));
      assert.deepEqual(notOk, exp.decode, f);
    }
  }
});
