import { Duration } from 'aws-cdk-lib';

/** Options shared by every alarm the constructs create. */
export interface AlarmOptions {
  /**
   * Whether the construct creates this alarm.
   * @default true
   */
  readonly enabled?: boolean;
}

/** An alarm on a count: it fires when the count in one window reaches the threshold. */
export interface CountAlarmOptions extends AlarmOptions {
  /**
   * The window the count is summed over: whole minutes, from one minute to one day.
   * @default Duration.hours(1)
   */
  readonly period?: Duration;

  /**
   * The alarm fires when the count in a window is at least this.
   * @default 1
   */
  readonly threshold?: number;
}

/** An alarm on an age: it fires when the age passes `maxAge`, or when nothing is reported. */
export interface AgeAlarmOptions extends AlarmOptions {
  /**
   * The age past which the alarm fires: whole hours, from 2 hours to 7 days.
   * @default Duration.hours(26)
   */
  readonly maxAge?: Duration;
}

/** The alarms of an `RdsSnapshotShipper`. */
export interface ShipperAlarmsOptions {
  /**
   * Nothing announced: no copy of any database was announced for longer than
   * `maxAge`, counted from the shipper's first pass. A shipper that stops
   * reporting sends the alarm to INSUFFICIENT_DATA, which notifies the
   * `alarmTopic` too.
   * @default enabled, maxAge 26 hours
   */
  readonly announcements?: AgeAlarmOptions;

  /**
   * Databases behind: some selected database's newest shipped copy is older
   * than `maxAge`, or the database was never shipped, in two hours running.
   * A database never shipped counts only once `maxAge` has passed since the
   * shipping key was created (or the database, if later), unless its newest
   * automated snapshot is already older than `maxAge`. The log line
   * `databases-behind` names the one furthest behind. A shipper that stops
   * reporting sends the alarm to INSUFFICIENT_DATA.
   * @default enabled, maxAge 26 hours
   */
  readonly databasesBehind?: AgeAlarmOptions;

  /**
   * Failures: any action that failed (a copy, share, announcement or
   * deletion), or a copy that RDS reports as failed, in a window.
   * @default enabled, 1 or more in an hour
   */
  readonly failures?: CountAlarmOptions;

  /**
   * Handler errors: invocations of the function that failed, as Lambda counts them.
   * @default enabled, 1 or more in an hour
   */
  readonly handlerErrors?: CountAlarmOptions;

  /**
   * Messages in the dead-letter queue: events the function could not handle
   * after every retry.
   * @default enabled
   */
  readonly deadLetterQueue?: AlarmOptions;
}

/** The alarms of an `RdsSnapshotVault`. */
export interface VaultAlarmsOptions {
  /**
   * Recovery point too old, one alarm per source: the newest vault copy of
   * some database of the source is older than `maxAge`. A source with no copy
   * at all reports the time since the vault key was created, so it alarms
   * once `maxAge` has passed since the deployment. A vault that stops
   * reporting sends the alarm to INSUFFICIENT_DATA, which notifies the
   * `alarmTopic` too.
   * @default enabled, maxAge 26 hours
   */
  readonly recoveryPoint?: AgeAlarmOptions;

  /**
   * Failures: any action that failed (a copy, a deletion, recording a finished
   * copy), or a copy that RDS reports as failed, in a window.
   * @default enabled, 1 or more in an hour
   */
  readonly failures?: CountAlarmOptions;

  /**
   * Rejected messages: announcements that failed validation (a wrong source,
   * a malformed or spoofed message).
   * @default enabled, 1 or more in an hour
   */
  readonly rejectedMessages?: CountAlarmOptions;

  /**
   * Databases behind, one alarm per source: the source's last manifest lists
   * a database that the vault holds no copy of, or none newer than `maxAge`.
   * It stays in its state until the next manifest; the log line
   * `databases-behind` names them.
   * @default enabled, maxAge 26 hours
   */
  readonly databasesBehind?: AgeAlarmOptions;

  /**
   * No manifest, one alarm per source: no manifest arrived from the source
   * for `maxAge`, counted from the vault's first pass. The shipper publishes
   * one a day.
   * @default enabled, maxAge 26 hours
   */
  readonly manifest?: AgeAlarmOptions;

  /**
   * Refused snapshots: shared snapshots from a source whose name or
   * announcement RDS's own metadata does not bear out (database, resource id,
   * engine, recovery time), so they are not copied.
   * @default enabled, 1 or more in an hour
   */
  readonly refusedSnapshots?: CountAlarmOptions;

  /**
   * Lineage changed: a database name the vault holds now comes from another
   * resource id. The database was recreated, or someone ships other data under
   * its name; either way a person should know.
   * @default enabled, 1 or more in an hour
   */
  readonly lineageChanged?: CountAlarmOptions;

  /**
   * Source over budget: a source account holds all the copies or lineages its
   * budget allows, so its new snapshots get no copy.
   * @default enabled, 1 or more in an hour
   */
  readonly sourceBudget?: CountAlarmOptions;

  /**
   * Quota use: the share of a manual snapshot quota of the vault account in
   * use, in percent, reaches `threshold`. The period is the window.
   * @default enabled, 80 percent
   */
  readonly quotaUse?: CountAlarmOptions;
  /**
   * Handler errors: invocations of the function that failed, as Lambda counts them.
   * @default enabled, 1 or more in an hour
   */
  readonly handlerErrors?: CountAlarmOptions;

  /**
   * Messages in the dead-letter queue: announcements or events the function
   * could not handle after every retry.
   * @default enabled
   */
  readonly deadLetterQueue?: AlarmOptions;
}
