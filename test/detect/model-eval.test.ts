// The evaluation of npm run eval, with fixed expectations: trained on benign traffic (the corpus and a
// live recording between namespaces), scored on the corpus attack captures and on live attacks made by
// nmap, hping3, hydra and dig, against benign traffic held out from training.

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS } from '../support/corpus.js';
import { CORPUS_ATTACKS, EVAL_DEFAULTS, evaluate, type EvalReport, type LabelledCapture } from '../../eval/model-eval.js';
import { recordLiveTraffic, type LiveRecordings } from '../../eval/live-traffic.js';

const dir = mkdtempSync(join(tmpdir(), 'nw-eval-test-'));
let live: LiveRecordings;
const reports: Partial<Record<'isolation-forest' | 'autoencoder', EvalReport>> = {};

before(async () => {
  live = await recordLiveTraffic(dir, 90);
}, { timeout: 300_000 });

after(() => rmSync(dir, { recursive: true, force: true }));

async function report(modelType: 'isolation-forest' | 'autoencoder'): Promise<EvalReport> {
  if (reports[modelType] === undefined) {
    const benign = readdirSync(join(CORPUS, 'benign')).sort().map((f) => join(CORPUS, 'benign', f));
    const attacks: LabelledCapture[] = [...CORPUS_ATTACKS.map((a) => ({ path: join(CORPUS, a.file), type: a.type, hosts: a.hosts })), ...live.attacks];
    reports[modelType] = await evaluate({ split: benign, trainOnly: [live.benignTrain], heldOutOnly: [live.benignHeldOut] }, attacks, { ...EVAL_DEFAULTS, modelType });
  }
  return reports[modelType]!;
}

const table = (r: EvalReport): string => r.captures.map((c) => `${c.file.split('/').pop()} ${c.type} auc ${c.auc}`).join('\n');

test('isolation forest: scans, floods and brute force rank above held-out benign windows (ROC AUC)', { timeout: 300_000 }, async () => {
  const r = await report('isolation-forest');
  const t = r.byType;
  // Every scored capture has windows of its labelled hosts, live ones included.
  for (const c of r.captures) assert.ok(c.positives >= 1, `${c.file}: no window of the labelled host`);
  assert.equal(r.captures.filter((c) => c.file.includes('/live-')).length, 8);
  assert.ok(t.scan.minAuc >= 0.95, table(r));
  // Floods: with the range extension (range-extension.ts) and the SYN features (unanswered_syns_in,
  // unsolicited_synacks_in) we measured a minimum of 0.998 to 0.999 over 21 runs on seven live
  // recordings (0.938 to 0.977 before those two, the reflected SYN-ACKs of stopddos_amp the minimum).
  assert.ok(t.flood.meanAuc >= 0.97 && t.flood.minAuc >= 0.95, table(r));
  // Brute force: with the connection features and auth_conns_out (docs/model.md) the minimum was 0.959 or
  // more in 40 runs on four recordings (seeds 1-10; the slow Zeek SSH guesser is the minimum); without
  // auth_conns_out 0.934 to 0.982, without the connection features never 0.95. The mean is held to the
  // target, the minimum to a regression bound below the lowest we measured.
  assert.ok(t.brute_force.meanAuc >= 0.95 && t.brute_force.minAuc >= 0.94, table(r));
  assert.ok(t.tunnel.minAuc >= 0.8, table(r));
});

test('isolation forest: false alerts on held-out benign traffic at the default budget stay within what we measured', { timeout: 300_000 }, async () => {
  const r = await report('isolation-forest');
  assert.ok(r.benign.heldOutHours > 0.1 && r.benign.heldOutWindows > 100, JSON.stringify(r.benign));
  // The benign traffic is benign by the heuristic detectors too: none of its windows was named by an alert
  // (an SSH login every 10 s made the long runs' client a brute-forcer, learnt as attacked, scored as normal).
  assert.deepEqual(r.benign.namedByAlerts, { training: 0, heldOut: 0 }, JSON.stringify(r.benign));
  // The target is at most one an hour. Over about 0.15 h of held-out traffic we measured 0 in most runs
  // and 3 in one (the live client's busiest windows): that is a regression bound, not the target met
  // (docs/model.md says so).
  assert.ok(r.benign.falseAlerts <= 3, JSON.stringify(r.benign));
  // A looser budget lets more through: the threshold moves down, never up.
  assert.ok(r.budgets[1].threshold <= r.budgets[0].threshold && r.budgets[0].threshold <= r.training.threshold);
  // At that budget the floods far beyond anything normal are caught: we measured 9 to 11 of 11 captures
  // over 21 runs (the forest alone, before the range extension, caught none).
  const floods = r.captures.filter((c) => c.type === 'flood');
  const caught = floods.filter((c) => c.alerted).length;
  assert.ok(caught >= 8, `${caught} of ${floods.length} flood captures alerted at the default budget\n${table(r)}`);
});

test('autoencoder ensemble: ranks scans and floods as well on average, on the same evaluation', { timeout: 300_000 }, async () => {
  const r = await report('autoencoder');
  assert.ok(r.byType.scan.meanAuc >= 0.95, table(r));
  assert.ok(r.byType.flood.meanAuc >= 0.95, table(r));
  // Its false-alert rate is reported, not held to the target: 0 to 13 an hour in our runs (docs/model.md).
});
