/**
 * The demo: synthesize the example two-account app into cdk.out, then run the
 * DR drill (test/drill) against the local AWS emulator, which this script
 * starts and stops itself, with a database shipped every 4 simulated hours
 * by a second shipper next to the daily ones, and then the drill across
 * Regions: a vault in another Region, and the loss of the databases' Region.
 * Exit status 0 means every check of both drills held.
 *
 *   npx projen demo
 */
import * as path from 'node:path';
import { buildApp, ExampleApp } from './app';
import { DRILL_DEFAULTS, DRILL_EMULATOR, REGION_DRILL_DEFAULTS } from '../test/drill/defaults';
import { DrillCheck, DrillEvent, DrillReport, runDrill } from '../test/drill/drill';
import { runRegionDrill } from '../test/drill/regions';
import { RestorePhaseFigures } from '../test/drill/restore-phase';
import { SubDailyOptions } from '../test/drill/sub-daily';
import { startEmulator } from '../test/emulator/emulator';

// The AWS SDK warns, once per process, that it will need Node.js 22 from 2027.
// That concerns the machine running the demo, not the handlers (they run on
// Lambda's Node.js 24), so it is said once in a line rather than as a banner.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) return;
  console.error(`${w.name}: ${w.message}`);
});

const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(6);
const say = (line = '') => console.log(line === '' ? '' : `[${elapsed()}] ${line}`);

async function step<T>(label: string, fn: () => Promise<T>): Promise<T> {
  process.stdout.write(`[${elapsed()}] ${label} ...`);
  const t = Date.now();
  const out = await fn();
  process.stdout.write(` done (${((Date.now() - t) / 1000).toFixed(1)}s)\n`);
  return out;
}

const ACTORS: Record<DrillEvent['actor'], string> = {
  rds: 'RDS    ', shipper: 'shipper', sns: 'SNS    ', vault: 'vault  ', drill: 'drill  ', alarm: 'alarm  ', attacker: 'ATTACK ', restore: 'restore',
};

/** Prints a drill's events as a timeline, under a heading for each day. */
function timeline(heading: (day: number) => string): (e: DrillEvent) => void {
  let lastDay = 0;
  return (e) => {
    if (e.day !== lastDay) {
      lastDay = e.day;
      say('');
      say(heading(e.day));
    }
    say(`  ${ACTORS[e.actor]}  ${e.text}`);
  };
}

async function main() {
  if (Number(process.versions.node.split('.')[0]) < 22) {
    console.log(`note: Node.js ${process.versions.node} is past its end of life; AWS SDK releases from 2027 need Node.js 22 or later.`);
  }
  console.log('cdk-rds-failsafe demo: RDS snapshots shipped from a Live account into a locked-down Failsafe account\n');

  // 1. Synthesize the example app.
  const outdir = path.resolve(__dirname, '..', 'cdk.out');
  const example = await step('synthesizing the example app (Live and Failsafe stacks, and their pair in the DR Region) into cdk.out', async () => buildApp(outdir));
  const { app, live, failsafe } = example;
  const assembly = app.synth();
  for (const stack of assembly.stacks) {
    const resources = Object.values<any>(stack.template.Resources ?? {});
    const count = (type: string) => resources.filter((r) => r.Type === type).length;
    say(`  stack ${stack.stackName.padEnd(10)} account ${stack.environment.account} ${stack.environment.region.padEnd(12)}: ${String(resources.length).padStart(2)} resources `
      + `(${count('AWS::Lambda::Function')} function, ${count('AWS::KMS::Key')} keys, ${count('AWS::SNS::Topic')} topic, `
      + `${count('AWS::SNS::Subscription')} subscription, ${count('AWS::Events::Rule')} rules)`);
  }

  // 2. The drill, on the emulator.
  const o = DRILL_DEFAULTS;
  say('');
  const encryption = (e: string) => (e === 'none' ? 'unencrypted' : e === 'cmk' ? 'customer managed key' : 'aws/rds');
  say(`The drill: ${Object.keys(o.databases).length} DB instances (${Object.entries(o.databases).map(([d, e]) => `${d}: ${encryption(e)}`).join(', ')}) `
    + `and ${Object.keys(o.clusters).length} Aurora cluster (${Object.entries(o.clusters).map(([d, e]) => `${d}: ${encryption(e)}`).join(', ')}),`);
  say(`${o.days} simulated days, the bundled handlers from assets/, copies that take passes to finish, one lost and one duplicate`);
  say(`announcement, copies that fail once. Retention is compressed to fit: ${o.shipperRetentionDays} days in Live, ${o.vaultRetentionDays} days and ${o.minimumCopies} minimum copies in the vault.`);
  if (o.subDaily) {
    const s = o.subDaily;
    say(`And one more DB instance, ${s.database} (${encryption(s.encryption)}), that needs a tighter recovery point: a second shipper with its own topic takes`);
    say(`a snapshot of it every ${s.intervalHours} simulated hours and ships it beside the daily ones. Its passes run on a simulated clock (the handler's`);
    say(`and RDS's), a few minutes into each slot; the vault keeps an hourly tier of ${s.vaultHourlyCopies} for it, and every copy younger than a day.`);
  }
  const emulator = await step('starting the AWS emulator (moto server) on 127.0.0.1', () => startEmulator(DRILL_EMULATOR));
  let report;
  try {
    report = await runDrill(emulator, {
      ...o,
      shipperOwnerId: live.shipper.ownerId,
      vaultOwnerId: failsafe.vault.ownerId,
      restoreDrill: { ...o.restoreDrill, ownerId: failsafe.restoreDrill.ownerId },
      onEvent: timeline((day) => (day > o.days + 2 ? 'The weekly restore drill: each database\'s newest vault copy restored, validated, timed and deleted'
        : day > o.days + 1 ? 'A database falls behind: selected late, with a backup three days old'
          : day > o.days ? 'After the last day: sweeps settle, then one idle pass of each handler' : `Day ${day}`)),
    });
  } finally {
    await step('stopping the emulator', () => emulator.stop());
  }

  say('');
  say('Checks');
  for (const c of report.checks) say(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`);
  const f = report.figures;
  say('');
  say(`Figures: ${f.shipperPasses} ${f.subDaily ? 'daily ' : ''}shipper passes, ${f.vaultInvocations} vault invocations; ${f.copiesShipped} copies shipped, ${f.copiesVaulted} copies vaulted; `
    + `${f.shipperDeleted} Live copies and ${f.vaultDeleted} vault copies expired; ${f.failedCopies} copies failed and were retried.`);
  recoveryPointTable(f, o.subDaily);
  const failed = report.checks.filter((c) => !c.ok);
  say('');
  if (failed.length > 0) {
    say(`DEMO FAILED: ${failed.length} of ${report.checks.length} checks did not hold`);
    process.exitCode = 1;
    return;
  }
  say('Summary: every day, the shipper copied each database\'s newest automated snapshot under a key the Failsafe account may use,');
  say('shared it and announced it; the vault copied each one into a snapshot it owns under its own key, recovered the lost');
  say('announcement with its sweep, ignored the duplicate, retried the failed copies, refused the snapshot an attacker in Live shipped');
  say('under another database\'s name, and expired only its own old copies.');
  if (o.subDaily) {
    say(`Every ${o.subDaily.intervalHours} simulated hours, the second shipper took a snapshot of ${o.subDaily.database}, copied, shared and announced it, and deleted it`);
    say('once shipped; the vault copied each, and keeps the last day of them and one a day before.');
  }
  say(`All ${report.checks.length} checks held.`);

  const across = await regionDemo(example);
  if (across.some((c) => !c.ok)) {
    process.exitCode = 1;
    return;
  }
  restoreSummary(f.restore, o.restoreDrill.failValidationOf);
  say(`The synthesized CloudFormation is in ${path.relative(process.cwd(), outdir) || outdir}/.`);
}

/** The recovery point of each database at the end: how it is shipped, the age of its newest vault copy, and what the vault's metrics say. */
function recoveryPointTable(f: DrillReport['figures'], subDaily: SubDailyOptions | undefined): void {
  say('');
  say('Recovery points at the end of the drill:');
  const row = (cells: string[]) => say(`  ${cells[0].padEnd(10)}${cells[1].padEnd(46)}${cells[2].padStart(18)}${cells[3].padStart(20)}`);
  row(['database', 'shipped', 'newest vault copy', 'RecoveryPointAge']);
  for (const [db, hours] of Object.entries(f.recoveryPointHours)) {
    const how = db === subDaily?.database
      ? `every ${subDaily.intervalHours} hours: its own snapshots, 2nd shipper`
      : 'daily: the automated snapshot';
    row([db, how, `${hours.toFixed(1)} h old`, `${(f.reportedRecoveryPointHours[db] ?? NaN).toFixed(1)} h`]);
  }
  if (f.subDaily) {
    const s = f.subDaily;
    say(`  ${s.database}: ${s.taken.length} snapshots taken in ${s.slots} slots (one each), ${s.passes} passes of its shipper; the vault holds ${s.vaultPoints.length} `
      + `of its recovery points, Live ${s.liveHeld.length} copies.`);
  }
  say(`  The oldest recovery point of the source is ${f.reportedOldestRecoveryPointHours} h old; its recovery-point alarm fires past ${f.recoveryPointAlarmMaxAgeHours} h.`);
}

/** The restore drill's results: the measured restore time (RTO) of each database. */
function restoreSummary(r: RestorePhaseFigures, failed: string): void {
  say('');
  say('The restore drill (RdsRestoreDrill), in the emulator, where a restore takes seconds (in AWS, minutes to hours):');
  for (const [db, seconds] of Object.entries(r.restoreSeconds)) {
    say(`  ${db.padEnd(9)} restored and validated: RTO ${seconds} s (start of the restore until available), validation ${(r.validationSeconds[db] ?? 0).toFixed(1)} s`);
  }
  say(`  ${failed.padEnd(9)} restored, but its validation failed on purpose: the restore-failed alarm fires, and DatabasesWithoutRecentRestore is ${r.databasesWithoutRecentRestore}`);
  const cleanup = r.cleanupSeconds.length > 0 ? Math.max(...r.cleanupSeconds).toFixed(1) : 'n/a';
  say(`  ${r.passes} drill passes; every restore deleted within ${cleanup} s of its verdict; API calls of the first three passes: `
    + r.apiCallsPerPass.slice(0, 3).map((p) => `${p.trigger} ${JSON.stringify(p.calls)}`).join('; '));
}

/** The drill across Regions, with the owner ids of the example's DR stacks. Returns its checks. */
async function regionDemo(example: ExampleApp): Promise<DrillCheck[]> {
  const o = REGION_DRILL_DEFAULTS;
  say('');
  say(`The drill across Regions: ${[...Object.keys(o.databases), ...Object.keys(o.clusters)].join(', ')} in ${o.homeRegion}; the shipper (stack LiveDr) copies them`);
  say(`into ${o.drRegion}, where the vault is (stack FailsafeDr). ${o.outageFromDay - 1} days as usual, then ${o.homeRegion} is down for the last ${o.days - o.outageFromDay + 1}.`);
  const emulator = await step('starting a fresh emulator', () => startEmulator({ copyPendingDescribes: 2, hideCopySourceFromShared: true }));
  let report;
  try {
    report = await runRegionDrill(emulator, {
      ...o,
      shipperOwnerId: example.liveDr.shipper.ownerId,
      vaultOwnerId: example.failsafeDr.vault.ownerId,
      onEvent: timeline((day) => `Day ${day}${day >= o.outageFromDay ? ` (${o.homeRegion} is down)` : ''}`),
    });
  } finally {
    await step('stopping the emulator', () => emulator.stop());
  }
  say('');
  say('Checks');
  for (const c of report.checks) say(`  ${c.ok ? 'ok  ' : 'FAIL'} ${c.name} (${c.detail})`);
  const failed = report.checks.filter((c) => !c.ok);
  say('');
  if (failed.length > 0) {
    say(`DEMO FAILED: ${failed.length} of ${report.checks.length} checks of the drill across Regions did not hold`);
    return report.checks;
  }
  say(`Summary: the vault in ${o.drRegion} took every database's recovery points up to the outage, the last of them shared after ${o.homeRegion}`);
  say('went down; it kept each database\'s newest copies through the outage, and its recovery-point alarm says that no newer one arrives.');
  say(`All ${report.checks.length} checks held.`);
  return report.checks;
}

main().catch((e) => {
  console.error(`\nDEMO FAILED: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
