/**
 * The two-account DR drill: the bundled shipper and vault handlers, exactly as
 * shipped in assets/, against an emulated Live and Failsafe account over
 * several simulated days. Used by drill.test.ts and by the demo.
 *
 * Days are simulated without the wall clock: day k's automated snapshots are
 * taken at `now - (days - k) days - 1 hour`, so by the end every recovery point
 * has the age it would have after `days` real days.
 *
 * With `subDaily`, a second shipper ships one more DB instance every few
 * hours (sub-daily.ts): each of its slots of day k is run with RDS's clock
 * and the handlers' set to a few minutes after the slot starts, before the
 * rest of the day's steps, which run at the real time.
 */
import { DisableKeyCommand, EnableKeyCommand, KMSClient } from '@aws-sdk/client-kms';
import { CreateDBSnapshotCommand, DBClusterSnapshot, DBSnapshot, ModifyDBSnapshotAttributeCommand } from '@aws-sdk/client-rds';
import { RestorePhaseFigures, RestorePhaseOptions, runRestorePhase } from './restore-phase';
import { slotsOfDay, SubDailyFigures, SubDailyOptions, subDailyChecks, subDailyShipper, SubDailyShipper } from './sub-daily';
import { parseShippedName, shippingCopyIdentifier } from '../../src/runtime/naming';
import { MESSAGE_SCHEMA, parseMessage } from '../../src/runtime/schema';
import { TagKeys } from '../../src/runtime/tags';
import { Emulator } from '../emulator/emulator';
import { createFailsafeAccount, FailsafeAccount, queueEvent, runVault } from '../emulator/failsafe';
import { BundledHandler, InvokeOptions, invokeBundled, Invocation, startWarmBundled, WarmBundled } from '../emulator/invoke';
import { createLiveAccount, Encryption, LiveAccount } from '../emulator/live';
import { pointsOf } from '../helpers/emf';

export const DAY_MS = 86_400_000;

/** What every drill is given: the two accounts, their databases, the days, the owners and the retention. */
export interface DrillBaseOptions {
  readonly liveAccount: string;
  readonly failsafeAccount: string;
  /** Databases (DB instances) and how each is encrypted. */
  readonly databases: Readonly<Record<string, Encryption>>;
  /** Aurora DB clusters and how each is encrypted. */
  readonly clusters: Readonly<Record<string, Encryption>>;
  readonly days: number;
  readonly shipperOwnerId: string;
  readonly vaultOwnerId: string;
  readonly shipperRetentionDays: number;
  readonly vaultRetentionDays: number;
  readonly minimumCopies: number;
  readonly onEvent?: (e: DrillEvent) => void;
}

export interface DrillOptions extends DrillBaseOptions {
  /** The day on which the vault key is disabled for one delivery, so that copies fail and succeed on the retry. */
  readonly failCopiesOnDay: number;
  /** The day and database whose announcement is delivered twice. */
  readonly duplicateOn: { readonly day: number; readonly database: string };
  /** The day and database whose announcement is lost. */
  readonly lostOn: { readonly day: number; readonly database: string };
  /**
   * A DB instance selected after the last day, whose newest backup is three
   * days old: it falls behind, raises the shipper's databases-behind alarm,
   * and clears it once RDS backs it up again and it is shipped.
   */
  readonly behindDatabase: string;
  /**
   * An attack from Live: on `day`, a snapshot of `from` is shared under the
   * name of a shipper copy of `database`, and announced on the shipper's
   * topic. The vault must refuse it and keep `database`'s real copies.
   */
  readonly junkOn: { readonly day: number; readonly database: string; readonly from: string };
  /** The last phase: a restore drill of the vault's copies (restore-phase.ts). */
  readonly restoreDrill: RestorePhaseOptions;
  /**
   * A DB instance that needs a tighter recovery point than a day, shipped by
   * a second shipper with its own owner id, topic and shipping key every
   * `intervalHours` simulated hours (sub-daily.ts); the vault takes both
   * topics as sources. @default none
   */
  readonly subDaily?: SubDailyOptions;
}

export interface DrillEvent {
  readonly day: number;
  readonly actor: 'rds' | 'shipper' | 'sns' | 'vault' | 'drill' | 'alarm' | 'attacker' | 'restore';
  readonly text: string;
}

export interface DrillCheck {
  readonly name: string;
  readonly ok: boolean;
  readonly detail: string;
}

/** What the emulator named the resources the constructs would create, and the databases' own key. */
export interface DrillResources {
  readonly topicArn: string;
  readonly shippingKeyArn: string;
  /** The customer managed key of the `cmk` databases, in their Region. */
  readonly sourceKeyArn: string;
  readonly vaultKeyArn: string;
  /** The second shipper's topic and shipping key, with `subDaily`. */
  readonly subDaily?: { readonly topicArn: string; readonly shippingKeyArn: string };
}

export interface DrillReport {
  readonly checks: DrillCheck[];
  readonly resources: DrillResources;
  readonly figures: {
    readonly shipperPasses: number;
    readonly vaultInvocations: number;
    readonly copiesShipped: number;
    readonly copiesVaulted: number;
    readonly shipperDeleted: number;
    readonly vaultDeleted: number;
    readonly failedCopies: number;
    readonly duplicatesIgnored: number;
    /** Age in hours of the newest vault copy of each database (the sub-daily one's too): its recovery point. */
    readonly recoveryPointHours: Record<string, number>;
    /** What the vault's last sweep published: RecoveryPointAge per database, in hours. */
    readonly reportedRecoveryPointHours: Record<string, number>;
    /** What the vault's last sweep published: OldestRecoveryPointAge of the source, in hours. */
    readonly reportedOldestRecoveryPointHours: number;
    /**
     * The maxAge of the vault's recovery-point alarm for the source, in hours,
     * as the construct sets it: by the longest interval of the source's
     * topics, 26 hours with the daily shipper's among them.
     */
    readonly recoveryPointAlarmMaxAgeHours: number;
    /**
     * The shipper's DatabasesBehind after each hourly sweep of the behind
     * phase, and the databases-behind alarm's state after it.
     */
    readonly behindSweeps: ReadonlyArray<{ readonly databasesBehind: number; readonly alarm: 'ALARM' | 'OK' }>;
    /** Sums over every vault invocation's metrics. */
    readonly vaultMetricTotals: {
      readonly copiesStarted: number; readonly copiesCompleted: number; readonly failures: number; readonly expired: number;
    };
    /** The restore drill at the end: RTOs, cleanup times and API calls. */
    readonly restore: RestorePhaseFigures;
    /** The sub-daily database and its shipper, with `subDaily`. */
    readonly subDaily?: SubDailyFigures;
  };
}

/**
 * The most of the sub-daily database's snapshots Live may hold at the end: its
 * copies of the shipper's retention (a day, the construct's default with a
 * recovery point interval, at one per 4-hour slot), and the one just past it
 * until a sweep trims it; the snapshot it took goes once shipped.
 */
const SUB_DAILY_LIVE_LIMIT = 24 / 4 + 1;

/**
 * The vault's budget of lineages per source account with `subDaily` (its
 * `maxLineagesPerSource`): the source's four DB instances and one more. A
 * pass about one announcement lets a lineage hold the source's budget over
 * this (100 / 5 = 20 copies), more than the sub-daily one holds between two
 * of the vault's daily sweeps.
 */
export const SUB_DAILY_VAULT_LINEAGES = 5;

/** The default maxAge of the recovery-point alarm. */
export const ALARM_MAX_AGE_HOURS = 26;

export const SCHEDULED = { 'source': 'aws.events', 'detail-type': 'Scheduled Event', 'detail': {} };
export const tagsOf = (s: DBSnapshot) => Object.fromEntries((s.TagList ?? []).map((t) => [t.Key, t.Value]));
/** A cluster snapshot in the shape of an instance snapshot, so that the checks read both alike. */
export const asSnapshot = (s: DBClusterSnapshot): DBSnapshot => ({
  DBSnapshotIdentifier: `cluster:${s.DBClusterSnapshotIdentifier}`,
  DBInstanceIdentifier: s.DBClusterIdentifier,
  Status: s.Status,
  KmsKeyId: s.KmsKeyId,
  Encrypted: s.StorageEncrypted,
  TagList: s.TagList,
});
const summary = (s: DBSnapshot) => `${s.DBSnapshotIdentifier}|${s.Status}|${s.KmsKeyId}|${JSON.stringify(s.TagList ?? [])}`;

export async function runDrill(emulator: Emulator, o: DrillOptions): Promise<DrillReport> {
  // The warm execution environments of the sub-daily database's many passes, stopped however the drill ends.
  const warm: WarmBundled[] = [];
  const startWarm: StartWarm = (handler, opts) => {
    const w = startWarmBundled(handler, opts);
    warm.push(w);
    return w;
  };
  try {
    return await drill(emulator, o, startWarm);
  } finally {
    for (const w of warm) w.stop();
  }
}

/** Starts a warm execution environment of a bundled handler (invoke.ts), which the drill stops at its end. */
type StartWarm = (handler: BundledHandler, opts: InvokeOptions) => WarmBundled;

async function drill(emulator: Emulator, o: DrillOptions, startWarm: StartWarm): Promise<DrillReport> {
  const say = (day: number, actor: DrillEvent['actor'], text: string) => o.onEvent?.({ day, actor, text });
  const now = Date.now();
  const dayTime = (day: number) => new Date(now - (o.days - day) * DAY_MS - 3_600_000);
  const instances = Object.keys(o.databases);
  const clusters = Object.keys(o.clusters);
  /** Every database the drill ships daily: instances, then clusters. */
  const databases = [...instances, ...clusters];
  /** And the sub-daily one. */
  const allDatabases = o.subDaily ? [...databases, o.subDaily.database] : databases;

  // Accounts
  const live: LiveAccount = await createLiveAccount(emulator, o.liveAccount);
  const failsafe: FailsafeAccount = await createFailsafeAccount(emulator, o.failsafeAccount);
  for (const db of instances) await live.createDatabase(db, o.databases[db], dayTime(0));
  for (const c of clusters) await live.createCluster(c, o.clusters[c], { firstSnapshotAt: dayTime(0) });
  // The sub-daily database, and its shipper's own topic and shipping key in the same account.
  const subLive = o.subDaily ? await createLiveAccount(emulator, o.liveAccount, o.subDaily.topicName) : undefined;
  if (o.subDaily) await live.createDatabase(o.subDaily.database, o.subDaily.encryption, dayTime(0));
  // Every manual and automated snapshot of an account, instances and clusters alike.
  const liveManual = async () => [...await live.manualSnapshots(), ...(await live.manualClusterSnapshots()).map(asSnapshot)];
  const failsafeManual = async () => [...await failsafe.manualSnapshots(), ...(await failsafe.manualClusterSnapshots()).map(asSnapshot)];
  const liveAutomated = async () => [...await live.automatedSnapshots(), ...(await live.automatedClusterSnapshots()).map(asSnapshot)];
  // Bystanders: snapshots neither handler created. They must never be touched.
  await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: instances[0], DBSnapshotIdentifier: 'before-migration', Tags: [{ Key: 'team', Value: 'dba' }] }));
  await failsafe.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: await createFailsafeBystanderDb(emulator, o.failsafeAccount), DBSnapshotIdentifier: 'audit-archive' }));
  const bystandersBefore = [
    ...(await liveManual()).map(summary),
    ...(await failsafeManual()).map(summary),
  ];
  const automatedBefore = (await liveAutomated()).map((s) => s.DBSnapshotIdentifier!);

  const shipperConfig = {
    version: 1,
    ownerId: o.shipperOwnerId,
    vaultAccount: o.failsafeAccount,
    shippingKeyArn: live.shippingKeyArn,
    topicArn: live.topicArn,
    retentionMs: o.shipperRetentionDays * DAY_MS,
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
    selection: { identifiers: instances, clusterIdentifiers: clusters },
  };
  const vaultConfig = {
    version: 1,
    ownerId: o.vaultOwnerId,
    vaultKeyArn: failsafe.vaultKeyArn,
    // The second shipper's topic, as the construct configures a source with a recoveryPointInterval: behind after the interval plus 2 hours.
    sources: [
      { topicArn: live.topicArn },
      ...subLive ? [{ topicArn: subLive.topicArn, behindAfterMs: (o.subDaily!.intervalHours + 2) * 3_600_000 }] : [],
    ],
    sourceAccounts: [o.liveAccount],
    retentionMs: o.vaultRetentionDays * DAY_MS,
    minimumCopies: o.minimumCopies,
    // An hourly tier for it, with the minimum age the construct then defaults to. The tier budgets a day of hourly copies
    // for every lineage, daily ones too: 100 snapshots would make room for 3 lineages of the source, not its 4 DB instances.
    ...o.subDaily ? { hourlyCopies: o.subDaily.vaultHourlyCopies, minimumAgeMs: DAY_MS, maxLineagesPerSource: SUB_DAILY_VAULT_LINEAGES } : {},
    maxCopiesInFlight: 10,
    manualSnapshotQuota: 100,
  };

  const figures = {
    shipperPasses: 0,
    vaultInvocations: 0,
    copiesShipped: 0,
    copiesVaulted: 0,
    shipperDeleted: 0,
    vaultDeleted: 0,
    failedCopies: 0,
    duplicatesIgnored: 0,
    refusedSnapshots: 0,
  };
  const shipperCalls: Record<string, number>[] = [];
  const vaultCalls: Record<string, number>[] = [];
  const vaultEmf: any[] = [];

  const shipperPass = async (day: number): Promise<any> => {
    const out: Invocation = await invokeBundled('shipper/shipper.lambda', SCHEDULED, {
      endpoint: emulator.endpoint,
      credentials: await emulator.credentialsFor(o.liveAccount),
      environment: { SHIPPER_CONFIG: JSON.stringify(shipperConfig) },
    });
    if (out.error) throw new Error(`shipper pass failed on day ${day}: ${out.error}`);
    figures.shipperPasses += 1;
    shipperCalls.push(out.result.apiCalls);
    for (const l of out.logs) {
      if (l.event === 'copy-started') { figures.copiesShipped += 1; say(day, 'shipper', `copied ${l.source} to ${l.snapshot}, under the shipping key`); }
      if (l.event === 'shared') say(day, 'shipper', `shared ${l.snapshot} with the Failsafe account`);
      if (l.event === 'announced') say(day, 'sns', `announced ${l.snapshot}`);
      if (l.event === 'deleted') { figures.shipperDeleted += 1; say(day, 'shipper', `expired its copy ${l.snapshot} (${l.reason})`); }
      if (l.event === 'action-failed') say(day, 'shipper', `FAILED ${l.action} ${l.snapshot}: ${l.errorCode}`);
    }
    return out.result;
  };
  /** The database of each vault copy, and the vault copies deleted of each database. */
  const vaultCopyDatabase = new Map<string, string>();
  const vaultDeletedOf = new Map<string, number>();
  // On a simulated clock (the sub-daily database's slots), in a warm execution environment of its own.
  let warmVault: WarmBundled | undefined;
  const vaultRun = async (day: number, event: unknown, label: string, clock?: Date): Promise<Invocation> => {
    if (clock) {
      warmVault ??= startWarm('vault/vault.lambda', {
        endpoint: emulator.endpoint,
        credentials: await emulator.credentialsFor(o.failsafeAccount),
        environment: { VAULT_CONFIG: JSON.stringify(vaultConfig) },
        region: failsafe.region,
      });
    }
    const out = clock ? await warmVault!.invoke(event, clock) : await runVault(emulator, failsafe, vaultConfig, event);
    figures.vaultInvocations += 1;
    vaultEmf.push(...out.emf);
    if (out.result) vaultCalls.push(out.result.apiCalls);
    for (const l of out.logs) {
      if (l.event === 'copy-started') {
        figures.copiesVaulted += 1;
        vaultCopyDatabase.set(l.snapshot, l.database);
        say(day, 'vault', `${label}: copied ${l.source.split(':').pop()} to ${l.snapshot}, under the vault key`);
      }
      if (l.event === 'deleted') {
        figures.vaultDeleted += 1;
        const db = vaultCopyDatabase.get(l.snapshot) ?? '?';
        vaultDeletedOf.set(db, (vaultDeletedOf.get(db) ?? 0) + 1);
        say(day, 'vault', `${label}: expired ${l.snapshot} (${l.reason})`);
      }
      if (l.event === 'action-failed') { figures.failedCopies += 1; say(day, 'vault', `${label}: copy FAILED with ${l.errorCode}; the message goes back to the queue and is retried`); }
      if (l.event === 'snapshot-refused') { figures.refusedSnapshots += 1; say(day, 'vault', `${label}: REFUSED ${l.snapshot.split(':').pop()}: ${l.message.replace(/^shared snapshot refused: /, '')}`); }
      if (l.event === 'message-rejected') say(day, 'vault', `${label}: message rejected: ${l.reason}`);
    }
    const copiesStarted = out.result?.summaries?.reduce((n: number, x: { copiesStarted: number }) => n + x.copiesStarted, 0);
    if (label.startsWith('duplicate') && out.result?.accepted === 1 && copiesStarted === 0) {
      figures.duplicatesIgnored += 1;
      say(day, 'vault', `${label}: its copy already exists, nothing to do`);
    }
    return out;
  };

  /** The attack: a snapshot of another database, shared and announced as a shipper copy of `junkOn.database`. */
  let junkArn = '';
  const shipJunk = async (day: number) => {
    const { database, from } = o.junkOn;
    const identifier = shippingCopyIdentifier(database, new Date(dayTime(day).getTime() + 60_000));
    const junk = (await live.rds.send(new CreateDBSnapshotCommand({ DBInstanceIdentifier: from, DBSnapshotIdentifier: identifier }))).DBSnapshot!;
    junkArn = junk.DBSnapshotArn!;
    await live.rds.send(new ModifyDBSnapshotAttributeCommand({ DBSnapshotIdentifier: identifier, AttributeName: 'restore', ValuesToAdd: [o.failsafeAccount] }));
    say(day, 'attacker', `shares a snapshot of ${from} as ${identifier}, a shipper copy of ${database} by its name, and announces it on the shipper's topic`);
    const forged = JSON.stringify({
      schema: MESSAGE_SCHEMA,
      version: 1,
      kind: 'instance',
      snapshotArn: junkArn,
      snapshotIdentifier: identifier,
      sourceAccount: o.liveAccount,
      sourceRegion: 'eu-west-1',
      sourceDatabaseIdentifier: database,
      engine: 'postgres',
      snapshotCreateTime: parseShippedName(identifier)!.time.toISOString(),
      encrypted: false,
      shippedAt: new Date().toISOString(),
    });
    await vaultRun(day, queueEvent(live.topicArn, [forged]), `forged message for ${database}`);
  };

  const sub: SubDailyShipper | undefined = o.subDaily && subLive ? subDailyShipper(o.subDaily, {
    emulator,
    liveAccount: o.liveAccount,
    failsafeAccount: o.failsafeAccount,
    live: subLive,
    failsafeRds: failsafe.rds,
    startWarm,
    say,
    vault: vaultRun,
  }) : undefined;
  const subIntervalMs = (o.subDaily?.intervalHours ?? 24) * 3_600_000;
  const subSlots: number[] = [];

  for (let day = 1; day <= o.days; day++) {
    // The sub-daily database's slots of the day, on the simulated clock; the real clock is back after them.
    if (sub) {
      const slots = slotsOfDay(now, o.days, day, subIntervalMs);
      for (const slot of slots) await sub.runSlot(day, slot);
      subSlots.push(...slots);
    }
    const t = dayTime(day);
    for (const db of instances) await live.createAutomatedSnapshot(db, t);
    for (const c of clusters) await live.createAutomatedClusterSnapshot(c, t);
    say(day, 'rds', `automated snapshots taken of ${databases.join(', ')} at ${t.toISOString().slice(0, 16)}Z`);

    // The shipper: hourly sweeps until the day's copies are shipped.
    for (let pass = 0; pass < 8; pass++) {
      const r = await shipperPass(day);
      const inProgress = r.findings['copy-in-progress'] ?? 0;
      if (inProgress > 0) say(day, 'shipper', `${inProgress} copies still in progress; the next sweep picks them up`);
      if (r.copiesStarted === 0 && r.announced === 0 && inProgress === 0) break;
    }

    // SNS delivers each announcement to the vault, with the day's faults.
    const kms = new KMSClient(await emulator.clientConfig(o.failsafeAccount));
    const breakKey = day === o.failCopiesOnDay;
    const vaultKeyId = failsafe.vaultKeyArn.split('/').pop();
    if (breakKey) {
      await kms.send(new DisableKeyCommand({ KeyId: vaultKeyId }));
      say(day, 'drill', 'the vault key is disabled for a moment: copies will fail');
    }
    const failed: string[] = [];
    for (const body of await live.takeAnnouncements()) {
      const parsed = parseMessage(body);
      const db = parsed.ok ? parsed.message.sourceDatabaseIdentifier : '?';
      if (day === o.lostOn.day && db === o.lostOn.database) {
        say(day, 'sns', `the announcement of ${db} is lost and never delivered`);
        continue;
      }
      const deliveries = day === o.duplicateOn.day && db === o.duplicateOn.database ? 2 : 1;
      for (let i = 0; i < deliveries; i++) {
        const out = await vaultRun(day, queueEvent(live.topicArn, [body]), i === 0 ? `message for ${db}` : `duplicate message for ${db}`);
        if (out.result?.batchItemFailures?.length > 0) failed.push(body);
      }
    }
    if (breakKey) {
      await kms.send(new EnableKeyCommand({ KeyId: vaultKeyId }));
      say(day, 'drill', 'the vault key is enabled again; Lambda retries the failed deliveries');
      for (const body of failed) {
        const out = await vaultRun(day, queueEvent(live.topicArn, [body]), 'retry');
        if (out.error || out.result?.batchItemFailures?.length > 0) throw new Error(`a retried delivery failed again: ${out.error ?? 'reported as a failure'}`);
      }
    } else if (failed.length > 0) {
      throw new Error(`deliveries failed on day ${day} without an injected fault`);
    }

    if (day === o.junkOn.day) await shipJunk(day);

    // The vault's sweep, at the end of the day.
    const sweep = await vaultRun(day, SCHEDULED, 'sweep');
    if (sweep.error) throw new Error(`vault sweep failed on day ${day}: ${sweep.error}`);
  }

  // Let everything settle, then one idle pass of each must change nothing.
  // The sub-daily shipper sweeps on the clock of its last slot, a few minutes later: a real-time sweep could be in a slot the drill did not run.
  for (let i = 0; i < 4; i++) {
    await shipperPass(o.days + 1);
    await sub?.pass(o.days + 1);
    await vaultRun(o.days + 1, SCHEDULED, 'sweep');
  }
  const pictureBefore = [...(await liveManual()).map(summary), ...(await failsafeManual()).map(summary)];
  const idleShipper = await shipperPass(o.days + 1);
  const idleSubDaily = await sub?.pass(o.days + 1);
  const lastSweepStarted = Date.now();
  const idleVaultRun = await vaultRun(o.days + 1, SCHEDULED, 'sweep');
  const lastSweepEnded = Date.now();
  const idleVault = idleVaultRun.result;
  const pictureAfter = [...(await liveManual()).map(summary), ...(await failsafeManual()).map(summary)];

  // What the accounts hold at the end.
  const liveHeld = await liveManual();
  const vaultManual = await failsafeManual();
  const vaultCopies = vaultManual.filter((s) => tagsOf(s)[TagKeys.OWNER] === o.vaultOwnerId);
  const shipperCopies = liveHeld.filter((s) => tagsOf(s)[TagKeys.OWNER] === o.shipperOwnerId);
  const heldDays = (copies: DBSnapshot[], db: string) => copies
    .filter((s) => tagsOf(s)[TagKeys.SOURCE_DATABASE] === db)
    .map((s) => Math.round((now - Date.parse(tagsOf(s)[TagKeys.SOURCE_TIME])) / DAY_MS))
    .map((ageDays) => o.days - ageDays)
    .sort((a, b) => a - b);
  const range = (from: number, to: number) => Array.from({ length: Math.max(0, to - from + 1) }, (_, i) => from + i);
  // Ages: day k is (days - k) days and 1 hour old, so it is within a retention of R days when days - k < R.
  const expectedVaultDays = range(Math.max(1, o.days - o.vaultRetentionDays + 1), o.days);
  const keptByMinimum = Math.max(expectedVaultDays.length, o.minimumCopies);
  const expectedVault = range(o.days - keptByMinimum + 1, o.days);
  const expectedShipper = range(Math.max(1, o.days - o.shipperRetentionDays + 1), o.days);

  const checks: DrillCheck[] = [];
  const check = (name: string, ok: boolean, detail: string) => checks.push({ name, ok, detail });
  for (const db of databases) {
    const held = heldDays(vaultCopies, db);
    check(`the vault holds days ${expectedVault.join(', ')} of ${db}`, JSON.stringify(held) === JSON.stringify(expectedVault), `holds days ${held.join(', ')}`);
  }
  check('every vault copy is encrypted with the vault key', vaultCopies.length > 0 && vaultCopies.every((s) => s.Encrypted && s.KmsKeyId === failsafe.vaultKeyArn),
    `${vaultCopies.length} copies`);
  const expiredVault = databases.length * (o.days - expectedVault.length);
  // Of the daily databases: the sub-daily one's copies expire by its own checks.
  const vaultDeletedDaily = databases.reduce((n, db) => n + (vaultDeletedOf.get(db) ?? 0), 0);
  const vaultDeletedOther = figures.vaultDeleted - vaultDeletedDaily - (o.subDaily ? vaultDeletedOf.get(o.subDaily.database) ?? 0 : 0);
  check('vault retention deleted exactly the expired copies', vaultDeletedDaily === expiredVault && vaultDeletedOther === 0,
    `${vaultDeletedDaily} deleted, ${expiredVault} expected${vaultDeletedOther > 0 ? `; ${vaultDeletedOther} of no database` : ''}`);
  for (const db of databases) {
    const held = heldDays(shipperCopies, db);
    check(`the shipper trimmed ${db} to days ${expectedShipper.join(', ')}`, JSON.stringify(held) === JSON.stringify(expectedShipper), `holds days ${held.join(', ')}`);
  }
  check(`the lost announcement of ${o.lostOn.database} on day ${o.lostOn.day} was recovered by the sweep`,
    heldDays(vaultCopies, o.lostOn.database).includes(o.lostOn.day) || !expectedVault.includes(o.lostOn.day), 'copied from what is shared with the vault');
  check(`the duplicate announcement of ${o.duplicateOn.database} started no second copy`, figures.duplicatesIgnored === 1, `${figures.duplicatesIgnored} duplicate delivery ignored`);
  check(`the copies that failed on day ${o.failCopiesOnDay} succeeded on the retry`, figures.failedCopies === databases.length, `${figures.failedCopies} failed attempts`);
  const junkCopied = vaultCopies.filter((s) => tagsOf(s)[TagKeys.SOURCE_SNAPSHOT] === junkArn).length;
  const refusedReported = pointsOf(vaultEmf, 'SnapshotsRefused').filter((p) => Object.keys(p.dimensions).length === 0).reduce((n, p) => n + p.value, 0);
  check(`the snapshot of ${o.junkOn.from} shipped as ${o.junkOn.database} on day ${o.junkOn.day} was refused, announced and swept, and never copied`,
    junkArn !== '' && junkCopied === 0 && figures.refusedSnapshots >= 2 && refusedReported === figures.refusedSnapshots,
    `${figures.refusedSnapshots} refusals logged, ${refusedReported} counted in SnapshotsRefused (its alarm fires), ${junkCopied} copies`);
  const bystandersAfter = [...liveHeld.map(summary), ...vaultManual.map(summary)];
  check('no snapshot that neither handler created was touched', bystandersBefore.every((b) => bystandersAfter.includes(b)), `${bystandersBefore.length} bystanders unchanged`);
  const automatedAfter = (await liveAutomated()).map((s) => s.DBSnapshotIdentifier!);
  check('every automated snapshot is still there', automatedBefore.every((a) => automatedAfter.includes(a)) && automatedAfter.length === automatedBefore.length + databases.length * o.days,
    `${automatedAfter.length} automated snapshots`);
  const writes = (calls: Record<string, number>) => Object.keys(calls).filter((k) => !/:Describe/.test(k));
  const idleWrites = [...writes(idleShipper.apiCalls), ...writes(idleVault.apiCalls), ...writes(idleSubDaily?.apiCalls ?? {})];
  check('an idle pass of each handler changes nothing', JSON.stringify(pictureBefore) === JSON.stringify(pictureAfter) && idleWrites.length === 0,
    `shipper ${JSON.stringify(idleShipper.apiCalls)}, vault ${JSON.stringify(idleVault.apiCalls)}`
      + `${idleSubDaily ? `, ${o.subDaily!.intervalHours}-hourly shipper ${JSON.stringify(idleSubDaily.apiCalls)}` : ''}`);

  const hours = (seconds: number) => Math.round((seconds / 3600) * 10) / 10;
  const recoveryPointHours: Record<string, number> = {};
  for (const db of allDatabases) {
    const times = vaultCopies.filter((s) => tagsOf(s)[TagKeys.SOURCE_DATABASE] === db).map((s) => Date.parse(tagsOf(s)[TagKeys.SOURCE_TIME]));
    const newest = Math.max(...times);
    recoveryPointHours[db] = hours((now - newest) / 1000);
  }

  // What the vault's metrics say, as CloudWatch would read them from its logs.
  const reported = pointsOf(idleVaultRun.emf, 'RecoveryPointAge');
  // The figures above are ages at the drill's start; the vault reported at its end.
  const elapsedHours = (Date.now() - now) / 3_600_000;
  const sameAge = (reportedHours: number, startHours: number) =>
    reportedHours >= startHours - 0.1 && reportedHours <= startHours + elapsedHours + 0.1;
  const reportedRecoveryPointHours = Object.fromEntries(reported.map((p) => [p.dimensions.SourceDatabase, hours(p.value)]));
  const oldest = pointsOf(idleVaultRun.emf, 'OldestRecoveryPointAge');
  const reportedOldestRecoveryPointHours = oldest.length === 1 ? hours(oldest[0].value) : NaN;
  const total = (name: string) => pointsOf(vaultEmf, name).filter((p) => Object.keys(p.dimensions).length === 0).reduce((n, p) => n + p.value, 0);
  const vaultMetricTotals = { copiesStarted: total('CopiesStarted'), copiesCompleted: total('CopiesCompleted'), failures: total('Failures'), expired: total('SnapshotsExpired') };
  check('the vault\'s metrics report each database\'s recovery point as its copies show it',
    reported.length === allDatabases.length
      && allDatabases.every((db) => sameAge(reportedRecoveryPointHours[db] ?? NaN, recoveryPointHours[db])),
    allDatabases.map((db) => `${db} ${reportedRecoveryPointHours[db]} h`).join(', '));
  // The construct's maxAge for the source: by the longest interval of its topics. The daily shipper's topic is one of them, so 26 hours;
  // the sub-daily database's own limit is its manifest's (its topic's recoveryPointInterval plus 2 hours).
  const alarmMaxAgeHours = ALARM_MAX_AGE_HOURS;
  check(`the recovery-point alarm is OK: the oldest recovery point of the source is under ${alarmMaxAgeHours} hours`,
    reportedOldestRecoveryPointHours < alarmMaxAgeHours
      && sameAge(reportedOldestRecoveryPointHours, Math.max(...Object.values(recoveryPointHours))),
    `${reportedOldestRecoveryPointHours} h`);
  check('the vault\'s metrics count every copy started, completed, failed and expired',
    vaultMetricTotals.copiesStarted === figures.copiesVaulted && vaultMetricTotals.copiesCompleted === figures.copiesVaulted
      && vaultMetricTotals.failures === figures.failedCopies && vaultMetricTotals.expired === figures.vaultDeleted,
    JSON.stringify(vaultMetricTotals));

  let subDailyFigures: SubDailyFigures | undefined;
  if (sub && o.subDaily) {
    const db = o.subDaily.database;
    const ofSub = (s: DBSnapshot) => tagsOf(s)[TagKeys.SOURCE_DATABASE] === db;
    const vaultPoints = vaultCopies.filter(ofSub).map((s) => Date.parse(tagsOf(s)[TagKeys.SOURCE_TIME]));
    const subLiveHeld = liveHeld.filter((s) => tagsOf(s)[TagKeys.OWNER] === o.subDaily!.shipperOwnerId).map((s) => s.DBSnapshotIdentifier!);
    subDailyFigures = sub.figures(subLiveHeld, vaultPoints);
    checks.push(...subDailyChecks({
      o: o.subDaily,
      figures: subDailyFigures,
      slots: subSlots,
      lastDaySlots: slotsOfDay(now, o.days, o.days, subIntervalMs),
      shipped: sub.shipped,
      vaultPoints,
      vaultRetention: {
        retentionMs: o.vaultRetentionDays * DAY_MS, minimumAgeMs: DAY_MS, minimumCopies: o.minimumCopies, hourlyCopies: o.subDaily.vaultHourlyCopies,
      },
      lastSweep: { started: lastSweepStarted, ended: lastSweepEnded },
      start: now,
      recoveryPointHours: recoveryPointHours[db],
      reportedRecoveryPointHours: reportedRecoveryPointHours[db] ?? NaN,
      elapsedHours,
      liveLimit: SUB_DAILY_LIVE_LIMIT,
    }));
  }

  const behindSweeps = await fallBehindAndCatchUp(emulator, o, live, shipperConfig, say);
  const raised = behindSweeps.findIndex((b) => b.alarm === 'ALARM');
  check(`the databases-behind alarm fires for ${o.behindDatabase}, selected with a backup three days old`,
    raised >= 0 && behindSweeps.slice(0, raised + 1).every((b) => b.databasesBehind === 1), `DatabasesBehind ${behindSweeps.map((b) => b.databasesBehind).join(', ')}`);
  check(`it clears once RDS backs ${o.behindDatabase} up again and it is shipped`,
    raised >= 0 && behindSweeps.at(-1)?.alarm === 'OK' && behindSweeps.at(-1)?.databasesBehind === 0, `alarm ${behindSweeps.map((b) => b.alarm).join(', ')}`);

  const restorePhase = { ...o.restoreDrill, failsafeAccount: o.failsafeAccount, vaultOwnerId: o.vaultOwnerId, databases: allDatabases };
  const restore = await runRestorePhase(emulator, restorePhase, failsafe, o.days + 3, say);
  checks.push(...restore.checks);
  return {
    checks,
    resources: {
      topicArn: live.topicArn,
      shippingKeyArn: live.shippingKeyArn,
      sourceKeyArn: live.sourceKeyArn,
      vaultKeyArn: failsafe.vaultKeyArn,
      ...subLive ? { subDaily: { topicArn: subLive.topicArn, shippingKeyArn: subLive.shippingKeyArn } } : {},
    },
    figures: {
      ...figures,
      recoveryPointHours,
      reportedRecoveryPointHours,
      reportedOldestRecoveryPointHours,
      recoveryPointAlarmMaxAgeHours: alarmMaxAgeHours,
      vaultMetricTotals,
      behindSweeps,
      restore: restore.figures,
      ...subDailyFigures ? { subDaily: subDailyFigures } : {},
    },
  };
}

/** CloudWatch's rule for the databases-behind alarm: 1 or more in each of the last 2 hourly periods. */
const BEHIND_ALARM_PERIODS = 2;

/**
 * The behind phase. A database is selected whose newest automated snapshot
 * is three days old; hourly shipper sweeps report it in DatabasesBehind (the
 * metric the alarm watches), and the alarm's rule is applied to what they
 * report. RDS then backs it up again, the shipper ships the new snapshot,
 * and the alarm clears.
 */
async function fallBehindAndCatchUp(
  emulator: Emulator, o: DrillOptions, live: LiveAccount, shipperConfig: { selection: { identifiers: string[] } },
  say: (day: number, actor: DrillEvent['actor'], text: string) => void,
): Promise<Array<{ databasesBehind: number; alarm: 'ALARM' | 'OK' }>> {
  const day = o.days + 2;
  const db = o.behindDatabase;
  await live.createDatabase(db, 'none', new Date(Date.now() - 3 * DAY_MS));
  const config = { ...shipperConfig, selection: { ...shipperConfig.selection, identifiers: [...shipperConfig.selection.identifiers, db] } };
  say(day, 'drill', `${db} is added to the shipper's selection; its newest automated snapshot is three days old`);
  const out: Array<{ databasesBehind: number; alarm: 'ALARM' | 'OK' }> = [];
  const sweep = async () => {
    const pass = await invokeBundled('shipper/shipper.lambda', SCHEDULED, {
      endpoint: emulator.endpoint, credentials: await emulator.credentialsFor(o.liveAccount), environment: { SHIPPER_CONFIG: JSON.stringify(config) },
    });
    if (pass.error) throw new Error(`shipper sweep failed in the behind phase: ${pass.error}`);
    const behind = pointsOf(pass.emf, 'DatabasesBehind').find((p) => Object.keys(p.dimensions).length === 0)?.value ?? NaN;
    const recent = [...out.map((b) => b.databasesBehind), behind].slice(-BEHIND_ALARM_PERIODS);
    const alarm = recent.length === BEHIND_ALARM_PERIODS && recent.every((v) => v >= 1) ? 'ALARM' : 'OK';
    const furthest = pass.logs.find((l) => l.event === 'databases-behind');
    say(day, 'shipper', `hourly sweep: DatabasesBehind ${behind}${furthest ? ` (furthest behind: ${furthest.oldest}, recovery point ${furthest.oldestRecoveryPoint})` : ''}`);
    if (alarm !== (out.at(-1)?.alarm ?? 'OK')) say(day, 'alarm', `the shipper's databases-behind alarm goes to ${alarm}`);
    out.push({ databasesBehind: behind, alarm });
  };
  for (let i = 0; i < 4; i++) await sweep();
  await live.createAutomatedSnapshot(db, new Date(Date.now() - 10 * 60_000));
  say(day, 'rds', `a new automated snapshot of ${db} is taken`);
  for (let i = 0; i < 6 && out.at(-1)?.databasesBehind !== 0; i++) await sweep();
  return out;
}

/** A database in the Failsafe account, so that it can hold a snapshot the vault did not make. */
async function createFailsafeBystanderDb(emulator: Emulator, account: string): Promise<string> {
  const other = await createLiveAccount(emulator, account, 'failsafe-bystander');
  await other.createDatabase('reporting', 'none');
  return 'reporting';
}
