// Threat-intelligence feeds: each format parsed from a sample file written in its documented form, bad
// lines counted with their line numbers, lookups by CIDR (longest prefix, IPv4 and IPv6) and by parent
// domain, and the intel alert end to end on corpus captures, with the annotation of other alerts.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseFeed } from '../../src/intel/feed-formats.js';
import { IntelStore } from '../../src/intel/intel-store.js';
import type { EveAlert } from '../../src/alert/eve-alert.js';
import { CLI, CORPUS } from '../support/corpus.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-intel-'));

const SAMPLES = {
  plain: '# local blocklist\n198.51.100.7\n203.0.113.0/24   # a whole net\n2001:db8:bad::/48\nevil.example\n300.1.2.3\n10.0.0.0/33\nbad/99\n',
  spamhaus: '; Spamhaus DROP List 2026/11/22 - (c) 2026 The Spamhaus Project\n; Last-Modified: Sun, 22 Nov 2026 00:00:00 GMT\n' +
    '1.10.16.0/20 ; SBL256894\n1.19.0.0/16 ; SBL434604\n2.57.122.0/24 ; SBL636050\nnot-a-net ; SBL1\n',
  firehol: '#\n# firehol_level1\n#\n# Maintainer: FireHOL\n0.0.0.0/8\n5.188.10.0/23\n31.184.196.3\n31.184.196.300\n',
  suricata: '# ip,category,score\n192.0.2.10,1,100\n192.0.2.11,CnC,50\n192.0.2.12,1,500\n192.0.2.13,1\n',
  zeek: '#fields\tindicator\tindicator_type\tmeta.source\tmeta.desc\n' +
    '198.18.0.1\tIntel::ADDR\tabuse.ch\tfeodo C2\n198.18.8.0/22\tIntel::SUBNET\tlocal\t-\nbad.example.org\tIntel::DOMAIN\turlhaus\tmalware\n' +
    'http://x.example/a\tIntel::URL\turlhaus\t-\nnot an ip\tIntel::ADDR\tx\t-\n',
  domains: '# domains\nmalware.example.net\n0.0.0.0 tracker.example.com\nbad domain here\n-bad-.example\n',
} as const;

test('every feed format: good lines become indicators, bad lines are counted with their line numbers', () => {
  const p = (f: keyof typeof SAMPLES) => parseFeed(SAMPLES[f], f);
  const plain = p('plain');
  assert.deepEqual(plain.indicators.map((i) => `${i.kind}:${i.value}`), ['address:198.51.100.7', 'address:203.0.113.0/24', 'address:2001:db8:bad::/48', 'domain:evil.example']);
  assert.equal(plain.badLines, 3);
  // A slash means a CIDR was meant: "bad/99" is a bad address, not a bad domain name.
  assert.deepEqual(plain.badExamples, ['line 6: 300.1.2.3: not an IP address or CIDR', 'line 7: 10.0.0.0/33: prefix length must be 0-32',
    'line 8: bad/99: not an IP address or CIDR']);
  const drop = p('spamhaus');
  assert.equal(drop.indicators.length, 3);
  assert.equal(drop.indicators[0].reference, 'SBL256894');
  assert.equal(drop.badLines, 1);
  const fh = p('firehol');
  assert.equal(fh.indicators.length, 3);
  assert.deepEqual(fh.badExamples, ['line 8: 31.184.196.300: not an IP address or CIDR']);
  const sur = p('suricata');
  assert.deepEqual(sur.indicators.map((i) => [i.value, i.category, i.score]), [['192.0.2.10', '1', 100], ['192.0.2.11', 'CnC', 50]]);
  assert.equal(sur.badLines, 2);
  const zk = p('zeek');
  assert.deepEqual(zk.indicators.map((i) => [i.kind, i.value, i.reference]),
    [['address', '198.18.0.1', 'abuse.ch'], ['address', '198.18.8.0/22', 'local'], ['domain', 'bad.example.org', 'urlhaus']]);
  assert.equal(zk.skipped, 1);
  assert.equal(zk.badLines, 1);
  const dm = p('domains');
  assert.deepEqual(dm.indicators.map((i) => i.value), ['malware.example.net', 'tracker.example.com']);
  assert.equal(dm.badLines, 2);
});

test('lookups: longest prefix for IPv4 and IPv6, parent domains, nothing else', () => {
  const s = new IntelStore();
  for (const f of Object.keys(SAMPLES) as (keyof typeof SAMPLES)[]) s.addFeed({ name: f, path: f, format: f, category: 'listed' }, SAMPLES[f]);
  s.addFeed({ name: 'narrow', path: 'n', format: 'plain', category: 'narrow' }, '1.10.20.0/24\n');
  const m = (t: string) => s.matchText(t);
  assert.equal(m('1.10.20.5')?.indicator, '1.10.20.0/24');
  assert.equal(m('1.10.20.5')?.feed, 'narrow');
  assert.equal(m('1.10.31.255')?.indicator, '1.10.16.0/20');
  assert.equal(m('1.10.32.0'), null);
  assert.equal(m('2001:db8:bad:ffff::1')?.indicator, '2001:db8:bad::/48');
  assert.equal(m('2001:db8:bae::1'), null);
  assert.equal(m('198.18.11.200')?.feed, 'zeek');
  assert.equal(m('192.0.2.11')?.category, 'CnC');
  assert.equal(m('a.b.bad.example.org')?.indicator, 'bad.example.org');
  assert.equal(m('BAD.example.org.')?.indicator, 'bad.example.org');
  assert.equal(m('notbad.example.org'), null);
  assert.equal(m('example.org'), null);
  assert.equal(m('0.1.2.3')?.feed, 'firehol');
  assert.equal(m('8.8.8.8'), null);
  // An IPv6 bogon such as ::/8 covers the IPv4-mapped range in 128-bit space, but is not about IPv4.
  const v6 = new IntelStore();
  v6.addFeed({ name: 'bogons6', path: 'b', format: 'firehol', category: 'bogon' }, '::/8\n2000::/3\n');
  assert.equal(v6.matchText('8.8.8.8'), null);
  assert.equal(v6.matchText('::ffff:8.8.8.8'), null);
  assert.equal(v6.matchText('2001:db8::1')?.indicator, '2000::/3');
});

test('DNS names in wire form: parent domains match; loops, forward pointers and dotted labels match nothing', () => {
  const s = new IntelStore();
  s.addFeed({ name: 'd', path: 'd', format: 'domains', category: 'bad' }, 'evil.example\n');
  const wire = (...labels: string[]) => Buffer.concat([...labels.map((l) => Buffer.concat([Buffer.from([l.length]), Buffer.from(l)])), Buffer.from([0])]);
  const ok = wire('a', 'b', 'EVIL', 'example');
  assert.equal(s.matchDnsName(ok, 0, 0)?.indicator, 'evil.example');
  assert.equal(s.matchDnsName(wire('evil', 'example2'), 0, 0), null);
  // "evil.example" as one label: the dot is data, not a parent domain.
  assert.equal(s.matchDnsName(wire('evil.example'), 0, 0), null);
  // evil.example followed by a pointer back to its own start: a loop, never terminated.
  const loop = Buffer.concat([wire('evil', 'example').subarray(0, 13), Buffer.from([0xc0, 0x00])]);
  assert.equal(s.matchDnsName(loop, 0, 0), null);
  // 127 one-character labels: bounded work, no match.
  assert.equal(s.matchDnsName(wire(...Array.from({ length: 120 }, () => 'a')), 0, 0), null);
});

test('analyze with feeds: first contact with a listed address raises intel, other alerts carry the match; DNS names match by parent domain', () => {
  writeFileSync(join(dir, 'local.txt'), '# scanners\n172.16.0.8\n');
  writeFileSync(join(dir, 'zeek.tsv'), '#fields\tindicator\tindicator_type\tmeta.source\ngoogle-analytics.com\tIntel::DOMAIN\ttest\n');
  const cfg = join(dir, 'cfg.json');
  writeFileSync(cfg, JSON.stringify({ intel: { feeds: [{ path: 'local.txt', format: 'plain', name: 'local', category: 'scanner' }, { path: 'zeek.tsv', format: 'zeek' }] } }));
  const alerts = join(dir, 'scan.json');
  const r = spawnSync(CLI, ['analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--config', cfg, '--alerts', alerts, '--no-store', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const matches = /Threat intelligence: 2 indicators from 2 feed\(s\) \(local 1; zeek\.tsv 1\); ([1-9][\d,]*) matches/.exec(r.stdout);
  assert.ok(matches, r.stdout);
  // Every match is one trigger of the one incident: the repeats are counted, not dropped.
  const incident = /intel 172\.16\.0\.8 -> 64\.13\.134\.52: fired (\d+) times \(1 alert, \d+ folded\)/.exec(r.stdout);
  assert.ok(incident, r.stdout);
  assert.equal(Number(incident[1]), Number(matches[1].replace(/,/g, '')));
  const list = readFileSync(alerts, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert);
  const intel = list.filter((a) => a.netwatch.detector === 'intel');
  assert.equal(intel.length, 1);
  assert.equal(intel[0].alert.signature_id, 9101502);
  assert.equal(intel[0].src_ip, '172.16.0.8');
  assert.deepEqual({ ...intel[0].netwatch.evidence }, { feed: 'local', indicator: '172.16.0.8', category: 'scanner', matched: 'source' });
  const scan = list.find((a) => a.netwatch.detector === 'port_scan');
  assert.deepEqual(scan?.netwatch.intel, [{ ip: '172.16.0.8', feed: 'local', indicator: '172.16.0.8', category: 'scanner' }]);

  const dnsAlerts = join(dir, 'dns.json');
  const d = spawnSync(CLI, ['analyze', join(CORPUS, 'benign/pcapplusplus_DnsPackets.pcap'), '--config', cfg, '--alerts', dnsAlerts, '--no-store', '-q'], { encoding: 'utf8' });
  assert.equal(d.status, 0, d.stderr);
  const dns = readFileSync(dnsAlerts, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as EveAlert).filter((a) => a.netwatch.detector === 'intel');
  assert.ok(dns.length >= 1);
  assert.equal(dns[0].alert.signature_id, 9101503);
  assert.equal(dns[0].src_ip, '10.0.0.1');
  assert.equal(dns[0].netwatch.evidence.indicator, 'google-analytics.com');
  // The name asked for is named, with the listed parent domain it fell under.
  assert.match(dns[0].alert.signature, /DNS query from 10\.0\.0\.1 for www\.google-analytics\.com \(under google-analytics\.com\), listed by zeek\.tsv/);
  assert.equal(dns[0].netwatch.evidence.query, 'www.google-analytics.com');
});

test('feed config errors name the file and key, exit 2; bad lines only warn', () => {
  const cases: [unknown, RegExp][] = [
    [{ intel: { feeds: [{ path: 'local.txt', format: 'csv' }] } }, /intel\.feeds\[0\]\.format: must be one of plain, spamhaus, firehol, suricata, zeek, domains/],
    [{ intel: { feeds: [{ path: 'missing.txt', format: 'plain' }] } }, /intel feed missing\.txt: .*missing\.txt: cannot read: no such file/],
    [{ intel: { feeds: [{ path: 'local.txt', format: 'plain', colour: 'red' }] } }, /intel\.feeds\[0\]\.colour: unknown key/],
    [{ intel: { lists: [] } }, /intel\.lists: unknown key/],
  ];
  for (const [content, why] of cases) {
    const cfg = join(dir, 'bad.json');
    writeFileSync(cfg, JSON.stringify(content));
    const r = spawnSync(CLI, ['analyze', join(CORPUS, 'benign/ppa_http_espn.pcapng'), '--config', cfg, '--no-store', '-q'], { encoding: 'utf8' });
    assert.equal(r.status, 2, r.stderr);
    assert.match(r.stderr, why);
    assert.equal(r.stderr.trim().split('\n').length, 1);
  }
  writeFileSync(join(dir, 'half.txt'), '172.16.0.8\nnot/valid\n');
  const cfg = join(dir, 'half.json');
  writeFileSync(cfg, JSON.stringify({ intel: { feeds: [{ path: 'half.txt', format: 'firehol' }] } }));
  const r = spawnSync(CLI, ['analyze', join(CORPUS, 'attack/scan/ppa_synscan.pcapng'), '--config', cfg, '--no-store', '-q'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /warning: intel feed half\.txt .*: 1 bad lines skipped \(line 2: not\/valid: not an IP address or CIDR\)/);
});
