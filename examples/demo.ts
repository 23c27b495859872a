/**
 * The demo: synthesize the example app into cdk.out, then run a DR drill with
 * the bundled shipper against the local AWS emulator (moto server), which this
 * script starts and stops itself. Exit status 0 means every check held.
 *
 *   npx projen demo
 */
import * as path from 'node:path';
import { buildApp, DATABASES, FAILSAFE_ACCOUNT, LIVE_ACCOUNT } from './app';
import { parseMessage } from '../src/runtime/schema';
import { Emulator, startEmulator } from '../test/emulator/emulator';
import { invokeBundled } from '../test/emulator/invoke';
import { createLiveAccount, Encryption, LiveAccount } from '../test/emulator/live';

const ENCRYPTION: Record<(typeof DATABASES)[number], Encryption> = { orders: 'none', users: 'aws/rds', payments: 'cmk' };
const started = Date.now();
const elapsed = () => `${((Date.now() - started) / 1000).toFixed(1)}s`.padStart(6);
const say = (line = '') => console.log(line === '' ? '' : `[${elapsed()}] ${line}`);
const failures: string[] = [];
function check(ok: boolean, what: string) {
  say(`  ${ok ? 'ok  ' : 'FAIL'} ${what}`);
  if (!ok) failures.push(what);
}

async function step<T>(label: string, fn: () => Promise<T>): Promise<T> {
  process.stdout.write(`[${elapsed()}] ${label} ...`);
  const t = Date.now();
  const out = await fn();
  process.stdout.write(` done (${((Date.now() - t) / 1000).toFixed(1)}s)\n`);
  return out;
}

// The AWS SDK warns, once per process, that it will need Node.js 22 from 2027.
// That concerns the machine running the demo, not the handlers (they run on
// Lambda's Node.js 24), so it is said once in a line rather than as a banner.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (`${w.name} ${w.message}`.includes('NodeVersionSupportWarning')) return;
  console.error(`${w.name}: ${w.message}`);
});

async function main() {
  if (Number(process.versions.node.split('.')[0]) < 22) {
    console.log(`note: Node.js ${process.versions.node} is past its end of life; AWS SDK releases from 2027 need Node.js 22 or later.`);
  }
  console.log('cdk-rds-failsafe demo: ship RDS snapshots from a Live account towards a Failsafe account\n');

  // 1. Synthesize the example app.
  const outdir = path.resolve(__dirname, '..', 'cdk.out');
  const { app, live: liveStack } = await step('synthesizing the example app into cdk.out', async () => buildApp(outdir));
  const assembly = app.synth();
  for (const stack of assembly.stacks) {
    const resources = Object.values<any>(stack.template.Resources ?? {});
    const count = (type: string) => resources.filter((r) => r.Type === type).length;
    say(`  stack ${stack.stackName} (account ${stack.environment.account}): ${resources.length} resources, `
      + `${count('AWS::Lambda::Function')} function, ${count('AWS::KMS::Key')} keys, ${count('AWS::SNS::Topic')} topic, ${count('AWS::Events::Rule')} rules`);
  }

  // 2. The drill against the emulator.
  let emulator: Emulator | undefined;
  try {
    emulator = await step('starting the AWS emulator (moto server) on 127.0.0.1', () => startEmulator());
    const live: LiveAccount = await step(`creating the Live account ${LIVE_ACCOUNT}: ${DATABASES.length} databases, a shipping key, the topic`, async () => {
      const account = await createLiveAccount(emulator!, LIVE_ACCOUNT);
      for (const db of DATABASES) await account.createDatabase(db, ENCRYPTION[db]);
      return account;
    });
    for (const db of DATABASES) say(`  database ${db.padEnd(9)} encryption: ${ENCRYPTION[db] === 'none' ? 'none' : ENCRYPTION[db] === 'aws/rds' ? 'AWS managed key aws/rds' : 'customer managed key'}`);

    const config = {
      version: 1,
      ownerId: liveStack.shipper.ownerId,
      vaultAccount: FAILSAFE_ACCOUNT,
      shippingKeyArn: live.shippingKeyArn,
      topicArn: live.topicArn,
      retentionMs: 2 * 86_400_000,
      maxCopiesInFlight: 10,
      manualSnapshotQuota: 100,
      selection: { identifiers: [...DATABASES] },
    };
    const pass = async (label: string) => {
      const out = await step(label, async () => invokeBundled('shipper/shipper.lambda', { 'source': 'aws.events', 'detail-type': 'Scheduled Event' }, {
        endpoint: emulator!.endpoint,
        credentials: await emulator!.credentialsFor(LIVE_ACCOUNT),
        environment: { SHIPPER_CONFIG: JSON.stringify(config) },
      }));
      if (out.error) throw new Error(`the shipper failed: ${out.error}`);
      for (const l of out.logs) {
        if (l.event === 'copy-started') say(`  copied   ${l.source} -> ${l.snapshot} (encrypted with the shipping key)`);
        if (l.event === 'shared') say(`  shared   ${l.snapshot} with the Failsafe account ${l.vaultAccount}`);
        if (l.event === 'announced') say(`  announced ${l.snapshot} on the topic`);
        if (l.event === 'deleted') say(`  expired  ${l.snapshot}: ${l.reason}`);
        if (l.event === 'finding' && l.level !== 'info') say(`  ${l.level.toUpperCase()} ${l.message}`);
      }
      const calls = Object.values<number>(out.result.apiCalls).reduce((a, b) => a + b, 0);
      say(`  pass summary: ${out.result.copiesStarted} copies started, ${out.result.announced} announced, ${out.result.deleted} deleted, ${out.result.failures} failures, ${calls} AWS API calls`);
      return out.result;
    };

    say('');
    say('Day 1: the nightly automated snapshots exist; the hourly sweep wakes the shipper');
    const first = await pass('shipper pass 1');
    const second = await pass('shipper pass 2 (the copies have finished)');
    const before = JSON.stringify(await live.manualSnapshots());
    const idle = await pass('shipper pass 3 (nothing left to do)');

    say('');
    say('Checks');
    const copies = (await live.manualSnapshots()).filter((s) => s.DBSnapshotIdentifier!.startsWith('failsafe-'));
    const announcements = (await live.takeAnnouncements()).map(parseMessage);
    check(first.copiesStarted === 3 && copies.length === 3, `one shipping copy per database (${copies.length})`);
    check(copies.every((c) => c.KmsKeyId === live.shippingKeyArn), 'every copy is encrypted with the shipping key, whatever the source encryption');
    const shared = await Promise.all(copies.map((c) => live.restoreAttribute(c.DBSnapshotIdentifier!)));
    check(shared.every((s) => s.length === 1 && s[0] === FAILSAFE_ACCOUNT), `every copy is shared with the Failsafe account ${FAILSAFE_ACCOUNT}, and only with it`);
    check(second.announced === 3 && announcements.length === 3 && announcements.every((a) => a.ok), `each copy is announced exactly once with a valid v1 message (${announcements.length})`);
    check(idle.copiesStarted + idle.announced + idle.deleted + idle.failures === 0 && JSON.stringify(await live.manualSnapshots()) === before, 'an idle pass changes nothing and publishes nothing');
    check((await live.automatedSnapshots()).length === DATABASES.length, 'the automated snapshots were not touched');
  } finally {
    if (emulator) await step('stopping the emulator', () => emulator!.stop());
  }

  say('');
  if (failures.length > 0) {
    say(`DEMO FAILED: ${failures.length} check(s) did not hold`);
    process.exitCode = 1;
    return;
  }
  say(`Summary: ${DATABASES.length} databases shipped. Each newest automated snapshot was copied into a manual snapshot`);
  say('encrypted with a key the Failsafe account may use, shared with that account, and announced on SNS for the vault.');
  say(`The synthesized CloudFormation is in ${path.relative(process.cwd(), outdir) || outdir}/. All checks held.`);
}

main().catch((e) => {
  console.error(`\nDEMO FAILED: ${e instanceof Error ? e.stack : e}`);
  process.exit(1);
});
