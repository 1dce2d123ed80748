// `npm run eval`: trains on benign traffic, scores the corpus attack captures and live attacks made
// between namespaces, and reports per attack type the ROC AUC, the detection rate and the false alerts
// per hour of held-out benign traffic, for both model types. Writes eval-out/report.json and report.md.
//   npm run eval                 both model types, live traffic recorded (root: re-runs itself under sudo)
//   npm run eval -- --no-live    the corpus only
//   npm run eval -- --benign-seconds 120
//   npm run eval -- --reuse-live  score again the live recordings a previous run left in eval-out/live

import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CORPUS, REPO_ROOT } from '../test/support/corpus.js';
import { CORPUS_ATTACKS, CORPUS_NOT_SCORED, EVAL_DEFAULTS, evaluate, type EvalReport, type LabelledCapture } from './model-eval.js';
import { previousRecordings, recordLiveTraffic } from './live-traffic.js';

const args = process.argv.slice(2);
const live = !args.includes('--no-live');
const secIdx = args.indexOf('--benign-seconds');
const benignSeconds = secIdx >= 0 ? Number(args[secIdx + 1]) : 90;

if (live && process.getuid && process.getuid() !== 0) {
  process.stderr.write('the evaluation records live traffic between network namespaces: re-running under sudo\n');
  const r = spawnSync('sudo', ['-E', process.execPath, ...process.argv.slice(1)], { stdio: 'inherit' });
  process.exit(r.status ?? 1);
}

const OUT = join(REPO_ROOT, 'eval-out');
mkdirSync(OUT, { recursive: true });
const log = (s: string): void => { process.stderr.write(`eval: ${s}\n`); };

const benignCorpus = readdirSync(join(CORPUS, 'benign')).sort().map((f) => join(CORPUS, 'benign', f));
const attacks: LabelledCapture[] = CORPUS_ATTACKS.map((a) => ({ path: join(CORPUS, a.file), type: a.type, hosts: a.hosts }));
let trainOnly: string[] = [];
let heldOutOnly: string[] = [];
if (live) {
  const again = args.includes('--reuse-live') ? previousRecordings(join(OUT, 'live')) : null;
  if (again !== null) log('reusing the live recordings in eval-out/live');
  const rec = again ?? await recordLiveTraffic(join(OUT, 'live'), benignSeconds, log);
  trainOnly = [rec.benignTrain];
  heldOutOnly = [rec.benignHeldOut];
  attacks.push(...rec.attacks);
}

const reports: EvalReport[] = [];
for (const modelType of ['isolation-forest', 'autoencoder'] as const) {
  log(`evaluating ${modelType}`);
  reports.push(await evaluate({ split: benignCorpus, trainOnly, heldOutOnly }, attacks, { ...EVAL_DEFAULTS, modelType }));
}
writeFileSync(join(OUT, 'report.json'), JSON.stringify(reports, null, 2) + '\n');

const name = (p: string): string => p.split('/').pop()!;
const lines: string[] = [];
const o = reports[0].options;
lines.push(`# Model evaluation (${o.windowSec} s windows, ${o.phases} training phases, seed ${o.seed}, budget ${o.alertsPerDay} alerts/day)`, '');
lines.push(`Training: ${reports[0].training.windows} windows of ${reports[0].training.hosts} hosts from ${reports[0].training.hours} h of benign traffic ` +
  `(the first ${o.trainShare * 100}% of each benign corpus capture in whole ${o.windowSec} s windows, so a capture under ${(0.5 * o.windowSec / o.trainShare).toFixed(0)} s is only held out` +
  `${live ? '; and a live benign recording' : ''}).`);
lines.push(`Held out: ${reports[0].benign.heldOutWindows} windows, ${reports[0].benign.heldOutHours} h (the rest of each capture${live ? ', and a second live recording' : ''}).`);
const named = reports[0].benign.namedByAlerts;
lines.push(`Benign windows whose host a heuristic detector named: ${named.training} in training (left out), ${named.heldOut} held out` +
  `${named.training + named.heldOut > 0 ? ' (the benign traffic is not benign by the heuristics: the figures below mix the two)' : ''}.`, '');
lines.push('| capture | type | windows | ' + reports.map((r) => `${r.options.modelType} AUC | detected windows | alert`).join(' | ') + ' |');
lines.push('|---|---|---|' + reports.map(() => '---|---|---').join('|') + '|');
reports[0].captures.forEach((c, i) => {
  lines.push(`| ${name(c.file)} | ${c.type} | ${c.positives} | ` + reports.map((r) => {
    const x = r.captures[i];
    return `${Number.isNaN(x.auc) ? '-' : x.auc.toFixed(3)} | ${(x.windowDetectionRate * 100).toFixed(0)}% | ${x.alerted ? 'yes' : 'no'}`;
  }).join(' | ') + ' |');
});
lines.push('', '| type | ' + reports.map((r) => `${r.options.modelType}: min AUC, mean AUC, windows detected, captures alerted`).join(' | ') + ' |', '|---|' + reports.map(() => '---').join('|') + '|');
for (const t of Object.keys(reports[0].byType)) {
  lines.push(`| ${t} | ` + reports.map((r) => {
    const b = r.byType[t];
    return `${b.minAuc.toFixed(3)}, ${b.meanAuc.toFixed(3)}, ${(b.windowDetectionRate * 100).toFixed(0)}%, ${b.capturesAlerted}/${b.captures}`;
  }).join(' | ') + ' |');
}
lines.push('');
for (const r of reports) {
  lines.push(`${r.options.modelType}: threshold ${r.training.threshold.toPrecision(4)}; ${r.benign.falseAlerts} false alerts in ${r.benign.heldOutHours} h held out ` +
    `= ${r.benign.falseAlertsPerHour} per hour at the default budget.`);
  for (const b of r.budgets) {
    lines.push(`  at ${b.alertsPerDay} alerts/day: threshold ${b.threshold.toPrecision(4)}, ${b.falseAlertsPerHour} false alerts/hour, windows detected ` +
      Object.entries(b.windowDetectionRate).map(([t, v]) => `${t} ${(v * 100).toFixed(0)}%`).join(', '));
  }
}
lines.push('', 'Not scored: ' + Object.entries(CORPUS_NOT_SCORED).map(([f, why]) => `${name(f)} (${why})`).join('; ') + '.');
const md = lines.join('\n') + '\n';
writeFileSync(join(OUT, 'report.md'), md);
process.stdout.write(md);
