/**
 * The DR drill across Regions: the databases in their home Region, the
 * shipper in the disaster recovery (DR) Region of the Live account, copying
 * each automated snapshot across Regions, and the vault in the DR Region of
 * the Failsafe account. The bundled handlers run as shipped, each in its
 * Region. For the first days every database reaches the vault; then the home
 * Region goes down (its endpoint refuses every call): the vault keeps what it
 * holds, and its recovery-point alarm shows that no new recovery point
 * arrives. Used by drill.test.ts and by the demo.
 *
 * Days are simulated as in drill.ts: day k is `now - (days - k) days - 1 hour`,
 * so the outage of the last days has lasted that long when the drill ends.
 */
import { DBClusterSnapshot, DBSnapshot } from '@aws-sdk/client-rds';
import { ALARM_MAX_AGE_HOURS, asSnapshot, DAY_MS, DrillBaseOptions, DrillCheck, DrillEvent, DrillResources, SCHEDULED, tagsOf } from './drill';
import { regionCode } from '../../src/runtime/naming';
import { parseMessage } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, queueEvent, runVault } from '../emulator/failsafe';
import { invokeBundled, Invocation } from '../emulator/invoke';
import { createLiveAccount, LiveAccount } from '../emulator/live';
import { pointsOf } from '../helpers/emf';

export interface RegionDrillOptions extends DrillBaseOptions {
  /** Where the databases are. */
  readonly homeRegion: string;
  /** Where the shipper copies them to, and the vault holds its copies. */
  readonly drRegion: string;
  /** The first day of the home Region's outage, which lasts to the end. */
  readonly outageFromDay: number;
  /** The day and database whose announcement is lost: the vault's sweep must find the copy from what is shared. */
  readonly lostOn: { readonly day: number; readonly database: string };
}

export interface RegionDrillReport {
  readonly checks: DrillCheck[];
  readonly resources: DrillResources;
  readonly figures: {
    readonly copiesShipped: number;
    readonly copiesVaulted: number;
    /** What the vault's last sweep published: OldestRecoveryPointAge per source (account and database Region), in hours. */
    readonly oldestRecoveryPointHours: Record<string, number>;
    /** Shipper sweeps in the outage, and how many failed. */
    /** Shipper sweeps in the outage, how many failed, and how many reported the databases' Region unreachable. */
    readonly outageShipperSweeps: { readonly runs: number; readonly failed: number; readonly unreachable: number; readonly announced: number };
    /** Vault sweeps in the outage, and how many failed or had a failed action. */
    readonly outageVaultSweeps: { readonly runs: number; readonly failed: number };
  };
}

/** The two handles of one Live account: its databases in the home Region, its shipper's key and topic in the DR Region. */
interface LiveRegions {
  readonly home: LiveAccount;
  readonly dr: LiveAccount;
}

async function setUpAccounts(emulator: Emulator, o: RegionDrillOptions, firstDay: Date) {
  const live: LiveRegions = {
    home: await createLiveAccount(emulator, o.liveAccount, 'home-region-topic', o.homeRegion),
    dr: await createLiveAccount(emulator, o.liveAccount, 'rds-failsafe-shipper', o.drRegion),
  };
  for (const [db, encryption] of Object.entries(o.databases)) await live.home.createDatabase(db, encryption, firstDay);
  for (const [c, encryption] of Object.entries(o.clusters)) await live.home.createCluster(c, encryption, { firstSnapshotAt: firstDay });
  const failsafe = await createFailsafeAccount(emulator, o.failsafeAccount, o.drRegion);
  return { live, failsafe };
}

/** The configurations the two constructs write, for a shipper with `sourceRegion` and a vault source with `databaseRegions`. */
function configsOf(o: RegionDrillOptions, live: LiveRegions, failsafe: FailsafeAccount) {
  const shipper = {
    version: 1,
    ownerId: o.shipperOwnerId,
    vaultAccount: o.failsafeAccount,
    shippingKeyArn: live.dr.shippingKeyArn,
    topicArn: live.dr.topicArn,
    sourceRegion: o.homeRegion,
    retentionMs: o.shipperRetentionDays * DAY_MS,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection: { identifiers: Object.keys(o.databases), clusterIdentifiers: Object.keys(o.clusters) },
  };
  const vault = {
    version: 1,
    ownerId: o.vaultOwnerId,
    vaultKeyArn: failsafe.vaultKeyArn,
    sources: [{ topicArn: live.dr.topicArn, databaseRegions: [o.homeRegion] }],
    sourceAccounts: [o.liveAccount],
    retentionMs: o.vaultRetentionDays * DAY_MS,
    // As the construct writes it: a database is taken as retired a week past the recovery-point alarm's maxAge at the earliest.
    retireAfterMs: Math.max(o.vaultRetentionDays * DAY_MS, (ALARM_MAX_AGE_HOURS + 7 * 24) * 3_600_000),
    minimumCopies: o.minimumCopies,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
  };
  return { shipper, vault };
}

export async function runRegionDrill(emulator: Emulator, o: RegionDrillOptions): Promise<RegionDrillReport> {
  const say = (day: number, actor: DrillEvent['actor'], text: string) => o.onEvent?.({ day, actor, text });
  const now = Date.now();
  const dayTime = (day: number) => new Date(now - (o.days - day) * DAY_MS - 3_600_000);
  const databases = [...Object.keys(o.databases), ...Object.keys(o.clusters)];
  const { live, failsafe } = await setUpAccounts(emulator, o, dayTime(0));
  const configs = configsOf(o, live, failsafe);
  const figures = { copiesShipped: 0, copiesVaulted: 0 };
  const where = `${o.homeRegion} to ${o.drRegion}`;

  const shipperPass = async (day: number): Promise<Invocation> => {
    const out = await invokeBundled('shipper/shipper.lambda', SCHEDULED, {
      endpoint: emulator.endpoint,
      credentials: await emulator.credentialsFor(o.liveAccount),
      environment: { SHIPPER_CONFIG: JSON.stringify(configs.shipper) },
      region: o.drRegion,
    });
    for (const l of out.logs) {
      if (l.event === 'copy-started') { figures.copiesShipped += 1; say(day, 'shipper', `copied ${l.source} from ${where} as ${l.snapshot}, under the shipping key of ${o.drRegion}`); }
      if (l.event === 'announced') say(day, 'sns', `announced ${l.snapshot} in ${o.drRegion}`);
      if (l.event === 'deleted') say(day, 'shipper', `expired its copy ${l.snapshot}`);
    }
    if (out.error) say(day, 'shipper', `pass FAILED: ${out.error.slice(0, 160)}`);
    if (out.result?.findings?.['databases-unreachable']) {
      say(day, 'shipper', `${o.homeRegion} cannot be read: nothing is copied; the pass goes on with its copies in ${o.drRegion} (the failures alarm fires)`);
    }
    return out;
  };
  const vaultRun = async (day: number, event: unknown, label: string): Promise<Invocation> => {
    const out = await runVault(emulator, failsafe, configs.vault, event);
    for (const l of out.logs) {
      if (l.event === 'copy-started') { figures.copiesVaulted += 1; say(day, 'vault', `${label}: copied ${l.source.split(':').pop()} within ${o.drRegion}, under the vault key`); }
      if (l.event === 'deleted') say(day, 'vault', `${label}: expired ${l.snapshot}`);
      if (l.event === 'snapshot-refused' || l.event === 'action-failed') say(day, 'vault', `${label}: ${l.event} ${l.message}`);
    }
    if (out.error) say(day, 'vault', `${label} FAILED: ${out.error.slice(0, 160)}`);
    return out;
  };

  /** The manual snapshots an owner holds in an account's DR Region, instances and clusters alike. */
  type Holder = { manualSnapshots(): Promise<DBSnapshot[]>; manualClusterSnapshots(): Promise<DBClusterSnapshot[]> };
  const ownedBy = async (owner: string, account: Holder) => {
    const all = [...await account.manualSnapshots(), ...(await account.manualClusterSnapshots()).map(asSnapshot)];
    return all.filter((s) => tagsOf(s)[TagKeys.OWNER] === owner);
  };
  const shipperCopiesOf = () => ownedBy(o.shipperOwnerId, live.dr);
  const vaultCopiesOf = () => ownedBy(o.vaultOwnerId, failsafe);

  /** The simulated day a copy's recovery point is of. */
  const dayOf = (s: DBSnapshot) => o.days - Math.round((now - Date.parse(tagsOf(s)[TagKeys.SOURCE_TIME])) / DAY_MS);
  const checks: DrillCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  const previousKept: string[] = [];
  let vaultBeforeOutage: Array<{ readonly id: string; readonly day: number }> = [];
  const outage = { shipper: { runs: 0, failed: 0, unreachable: 0, announced: 0 }, vault: { runs: 0, failed: 0 } };
  let lastSweep: Invocation | undefined;

  /** RDS's automated snapshots of the day, in the databases' Region. */
  const takeSnapshots = async (day: number) => {
    const t = dayTime(day);
    for (const db of Object.keys(o.databases)) await live.home.createAutomatedSnapshot(db, t);
    for (const c of Object.keys(o.clusters)) await live.home.createAutomatedClusterSnapshot(c, t);
    say(day, 'rds', `automated snapshots taken in ${o.homeRegion} of ${databases.join(', ')} at ${t.toISOString().slice(0, 16)}Z`);
  };
  /** Once the day's copies have started, the previous day's must still be there, so that RDS can make the new ones incremental (DB instances: Aurora copies are always full). */
  const checkPreviousKept = async (day: number) => {
    if (day === 1) return;
    const held = await shipperCopiesOf();
    for (const db of Object.keys(o.databases)) {
      const times = held.filter((s) => tagsOf(s)[TagKeys.SOURCE_DATABASE] === db).map((s) => tagsOf(s)[TagKeys.SOURCE_TIME]);
      if (times.includes(dayTime(day - 1).toISOString()) && times.includes(dayTime(day).toISOString())) previousKept.push(`${db}@${day}`);
    }
  };
  /** Shipper sweeps until the day's copies are shipped. */
  const shipDay = async (day: number) => {
    for (let pass = 0; pass < 8; pass++) {
      const r = await shipperPass(day);
      if (r.error) throw new Error(`shipper pass failed on day ${day}: ${r.error}`);
      if (pass === 0) await checkPreviousKept(day);
      if (r.result.copiesStarted === 0 && r.result.announced === 0 && !(r.result.findings['copy-in-progress'] > 0)) break;
    }
  };
  /** The last day before the outage: the copies start and finish in the DR Region, and the Region goes down before a sweep shares them. */
  const copyButDoNotShare = async (day: number) => {
    const r = await shipperPass(day);
    if (r.error) throw new Error(`shipper pass failed on day ${day}: ${r.error}`);
    await checkPreviousKept(day);
    while ((await shipperCopiesOf()).some((s) => s.Status !== 'available'));
    say(day, 'rds', `the day's copies have finished in ${o.drRegion}; no sweep has shared them yet`);
  };
  /** SNS delivers the announcements to the vault, but for the lost one. */
  const deliver = async (day: number) => {
    for (const body of await live.dr.takeAnnouncements()) {
      const parsed = parseMessage(body);
      const db = parsed.ok ? parsed.message.sourceDatabaseIdentifier : '?';
      if (day === o.lostOn.day && db === o.lostOn.database) {
        say(day, 'sns', `the announcement of ${db} is lost and never delivered`);
        continue;
      }
      const out = await vaultRun(day, queueEvent(live.dr.topicArn, [body]), `message for ${db}`);
      if (out.error || out.result?.batchItemFailures?.length > 0) throw new Error(`the announcement of ${db} failed on day ${day}: ${out.error ?? 'reported as a failure'}`);
    }
  };
  /** A day of the outage: the shipper's sweep, what it announces, and the vault's sweep. */
  const outageDay = async (day: number) => {
    const pass = await shipperPass(day);
    outage.shipper.runs += 1;
    if (pass.error) outage.shipper.failed += 1;
    if (pass.result?.findings?.['databases-unreachable'] === 1) outage.shipper.unreachable += 1;
    outage.shipper.announced += pass.result?.announced ?? 0;
    await deliver(day);
    lastSweep = await vaultRun(day, SCHEDULED, 'sweep');
    outage.vault.runs += 1;
    if (lastSweep.error || (lastSweep.result?.failures ?? 0) > 0) outage.vault.failed += 1;
  };

  for (let day = 1; day <= o.days; day++) {
    if (day === o.outageFromDay) {
      vaultBeforeOutage = (await vaultCopiesOf()).map((s) => ({ id: s.DBSnapshotIdentifier!, day: dayOf(s) }));
      emulator.setRegionOutage([o.homeRegion]);
      say(day, 'drill', `${o.homeRegion} goes down: its endpoint refuses every call, of every service, from here to the end`);
    }
    if (day >= o.outageFromDay) {
      await outageDay(day);
      continue;
    }
    await takeSnapshots(day);
    if (day === o.outageFromDay - 1) await copyButDoNotShare(day);
    else await shipDay(day);
    await deliver(day);
    const sweep = await vaultRun(day, SCHEDULED, 'sweep');
    if (sweep.error) throw new Error(`vault sweep failed on day ${day}: ${sweep.error}`);
  }
  // The vault's sweeps go on in the outage: its last copies finish (in the emulator, after a few reads) and retention applies.
  for (let i = 0; i < 3; i++) {
    lastSweep = await vaultRun(o.days, SCHEDULED, 'sweep');
    outage.vault.runs += 1;
    if (lastSweep.error || (lastSweep.result?.failures ?? 0) > 0) outage.vault.failed += 1;
  }
  emulator.setRegionOutage([]);

  const shipped = Array.from({ length: o.outageFromDay - 1 }, (_, i) => i + 1);
  // Day k is (days - k) days and 1 hour old at the end: within the retention when days - k < retention; the newest minimumCopies stay whatever their age.
  const inRetention = shipped.filter((k) => o.days - k < o.vaultRetentionDays);
  const expected = shipped.slice(-Math.max(inRetention.length, o.minimumCopies));
  const vaultCopies = await vaultCopiesOf();
  const heldDays = (db: string) => vaultCopies.filter((s) => tagsOf(s)[TagKeys.SOURCE_DATABASE] === db).map(dayOf).sort((a, b) => a - b);
  for (const db of databases) {
    check(`the vault in ${o.drRegion} holds days ${expected.join(', ')} of ${db} of ${o.homeRegion}: past its retention, the newest ${o.minimumCopies} stay`,
      JSON.stringify(heldDays(db)) === JSON.stringify(expected), `holds days ${heldDays(db).join(', ')}`);
  }
  check(`the lost announcement of ${o.lostOn.database} on day ${o.lostOn.day} was recovered by the sweep, which took the database's Region from RDS or the name`,
    !expected.includes(o.lostOn.day) || heldDays(o.lostOn.database).includes(o.lostOn.day), 'copied from what is shared with the vault');
  check(`every vault copy is in ${o.drRegion}, under the vault key, and tagged with its database's Region, ${o.homeRegion}`,
    vaultCopies.length === databases.length * expected.length
      && vaultCopies.every((s) => s.KmsKeyId === failsafe.vaultKeyArn && tagsOf(s)[TagKeys.SOURCE_REGION] === o.homeRegion),
    `${vaultCopies.length} copies`);
  const shipperCopies = await shipperCopiesOf();
  check(`the shipper's copies are in ${o.drRegion}, under its shipping key there, named with the code of ${o.homeRegion}`,
    shipperCopies.length > 0 && shipperCopies.every((s) => s.KmsKeyId === live.dr.shippingKeyArn && (s.DBSnapshotIdentifier ?? '').endsWith(`-${regionCode(o.homeRegion)}`)),
    shipperCopies.map((s) => s.DBSnapshotIdentifier).join(', '));
  check('each new copy across Regions started while the previous copy of its database was kept, so that RDS can make it incremental',
    previousKept.length === Object.keys(o.databases).length * (shipped.length - 1), `${previousKept.length} of ${Object.keys(o.databases).length * (shipped.length - 1)} DB instance copies`);
  check(`while ${o.homeRegion} is down, every shipper sweep reports it unreachable (its failures alarm fires) and goes on in ${o.drRegion}; every vault sweep succeeds`,
    outage.shipper.runs > 0 && outage.shipper.unreachable === outage.shipper.runs && outage.shipper.failed === 0 && outage.vault.failed === 0,
    `shipper: ${outage.shipper.unreachable} of ${outage.shipper.runs} reported it, ${outage.shipper.failed} failed; vault: ${outage.vault.failed} of ${outage.vault.runs} failed`);
  const lastDay = o.outageFromDay - 1;
  check(`the copies of day ${lastDay}, finished in ${o.drRegion} but not yet shared when ${o.homeRegion} went down, were shared, announced and vaulted in the outage`,
    outage.shipper.announced === databases.length && databases.every((db) => heldDays(db).includes(lastDay)), `${outage.shipper.announced} announced in the outage`);
  // What went during the outage went by retention alone: never one of the newest minimumCopies.
  const vaultAfter = new Set(vaultCopies.map((s) => s.DBSnapshotIdentifier!));
  const gone = vaultBeforeOutage.filter((c) => !vaultAfter.has(c.id));
  check(`the loss of ${o.homeRegion} takes none of the vault's last good recovery points: in the outage, only copies past the retention and outside the newest ${o.minimumCopies} went`,
    vaultBeforeOutage.length > 0 && gone.every((c) => !expected.includes(c.day)),
    `${vaultBeforeOutage.length} copies before the outage, ${vaultAfter.size} after; gone by retention: days ${[...new Set(gone.map((c) => c.day))].join(', ') || 'none'}`);
  const oldest = pointsOf(lastSweep?.emf ?? [], 'OldestRecoveryPointAge');
  const hours = (seconds: number) => Math.round((seconds / 3600) * 10) / 10;
  const oldestRecoveryPointHours = Object.fromEntries(oldest.map((p) => [`${p.dimensions.SourceAccount} ${p.dimensions.SourceRegion}`, hours(p.value)]));
  const homeSource = oldestRecoveryPointHours[`${o.liveAccount} ${o.homeRegion}`];
  const expectedHours = (o.days - shipped.length) * 24 + 1;
  check(`the vault's recovery-point alarm for ${o.liveAccount} ${o.homeRegion} fires: no recovery point newer than ${expectedHours} hours, over its ${ALARM_MAX_AGE_HOURS}`,
    oldest.length === 1 && homeSource >= expectedHours - 0.1 && homeSource > ALARM_MAX_AGE_HOURS, JSON.stringify(oldestRecoveryPointHours));
  if (homeSource > ALARM_MAX_AGE_HOURS) say(o.days, 'alarm', `the vault's recovery-point alarm for ${o.liveAccount} ${o.homeRegion} goes to ALARM: the newest recovery point is ${homeSource} hours old`);
  return {
    checks,
    resources: {
      topicArn: live.dr.topicArn, shippingKeyArn: live.dr.shippingKeyArn, sourceKeyArn: live.home.sourceKeyArn, vaultKeyArn: failsafe.vaultKeyArn,
    },
    figures: { ...figures, oldestRecoveryPointHours, outageShipperSweeps: outage.shipper, outageVaultSweeps: outage.vault },
  };
}
