// DNS tunnelling on generated queries: unique subdomains under one registered domain (public suffix
// aware) alert; the same number of lookups spread over many ordinary domains do not.

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CLI } from '../support/corpus.js';
import { dnsQuery, ip, ipv4Udp, pcapFile, type PcapPacket } from '../support/frame-builder.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-dns-'));

function analyze(names: string[], qtype = 1): { alerts: { alert: { signature_id: number }; src_ip: string; netwatch: { evidence: Record<string, unknown> } }[] } {
  const packets: PcapPacket[] = names.map((name, i) => ({
    sec: 1_700_000_000 + Math.floor(i / 4), frac: (i % 4) * 250_000,
    data: ipv4Udp(ip('10.77.0.5'), ip('10.77.0.53'), 30000 + (i % 30000), 53, dnsQuery(name, qtype, i & 0xffff)),
  }));
  const file = join(dir, `q${Math.random().toString(36).slice(2)}.pcap`);
  writeFileSync(file, pcapFile(packets));
  const r = spawnSync(CLI, ['analyze', file, '--summary', 'json', '-q', '--no-store'], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return (JSON.parse(r.stdout) as { detection: { alerts: never[] } }).detection;
}

test('many unique short subdomains of one registered domain (under co.uk) alert, naming the domain', () => {
  const names = Array.from({ length: 200 }, (_, i) => `a${(i * 7919).toString(36)}.data.example.co.uk`);
  const d = analyze(names);
  assert.equal(d.alerts.length, 1);
  assert.equal(d.alerts[0].alert.signature_id, 9100901);
  assert.equal(d.alerts[0].src_ip, '10.77.0.5');
  assert.equal(d.alerts[0].netwatch.evidence.domain, 'example.co.uk');
  assert.ok((d.alerts[0].netwatch.evidence.unique_subdomains as number) >= 100);
});

test('long high-entropy labels alert before the unique-name threshold', () => {
  const names = Array.from({ length: 12 }, (_, i) => `${Buffer.from(`secret-${i}-${i * 31337}-payload`).toString('base64url').toLowerCase()}x9q2.t.example.net`);
  const d = analyze(names, 1);
  assert.equal(d.alerts.length, 1);
  assert.equal(d.alerts[0].netwatch.evidence.domain, 'example.net');
  assert.ok((d.alerts[0].netwatch.evidence.long_high_entropy_labels as number) >= 10);
});

test('the same number of lookups of ordinary names across many domains raise nothing', () => {
  const names = Array.from({ length: 200 }, (_, i) => `www.site${i}.example${i % 7}.com`);
  assert.deepEqual(analyze(names).alerts, []);
});
