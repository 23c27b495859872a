/**
 * Per-source budgets: how much of the vault's manual snapshot quota each
 * source account may occupy, so that no source takes another's room. A source
 * that ships junk fills its own share and no more. Pure.
 *
 * Both budgets count per kind (DB snapshots and DB cluster snapshots have
 * quotas of their own):
 * - snapshots: the vault's copies from the source, including those in progress;
 * - lineages: the distinct lineages (lineage.ts) those copies belong to.
 *
 * By default the room the vault may fill (the quota less the headroom) is
 * shared equally between the source accounts, and the lineages a source may
 * hold are as many as that share can keep for a whole retention period.
 */
import { accountOfLineage } from './lineage';
import { RetentionPolicy } from './retention';

const DAY_MS = 86_400_000;

export interface SourceBudgetConfig {
  /** Copies of each kind one source account may have in the vault. @default - an equal share of the quota */
  readonly maxSnapshotsPerSource?: number;
  /** Lineages of each kind one source account may have in the vault. @default - what its share can keep for the retention */
  readonly maxLineagesPerSource?: number;
}

/** What one source occupies, and may occupy, in this pass. */
export interface SourceRoom {
  readonly account: string;
  snapshots: number;
  readonly maxSnapshots: number;
  readonly lineages: Set<string>;
  readonly maxLineages: number;
  /** Copies refused in this pass because the source is over its budget. */
  refused: number;
}

export type SourceRefusal = 'source-snapshots' | 'source-lineages';

/**
 * How many copies one lineage may hold: one a day for every day the
 * retention and the minimum age touch, and the one being made; the minimum
 * copies again, for the old copies that wait until a newer one has finished
 * (invariant 2); and one per week and per month kept. With an hourly tier,
 * for sources that ship more often than daily: also every copy of the
 * minimum age, at up to one an hour, and one per hour of the tier. What
 * retention keeps fits in it with room to spare; a burst of copies in one
 * lineage does not.
 */
export function copiesPerLineage(policy: RetentionPolicy): number {
  const keptFor = Math.max(policy.retentionMs, policy.minimumAgeMs ?? 0);
  const daily = Math.ceil(keptFor / DAY_MS) + 1 + policy.minimumCopies + (policy.weeklyCopies ?? 0) + (policy.monthlyCopies ?? 0);
  if (!policy.hourlyCopies) return daily;
  // A source that ships more often than daily, as often as hourly: every copy of
  // the minimum age (24 a day at most), and one per hour of the hourly tier.
  return daily + 24 * Math.ceil((policy.minimumAgeMs ?? policy.retentionMs) / DAY_MS) + policy.hourlyCopies;
}

/** The budgets of each source account, from the room the vault may fill (`maxManual`) and what each source holds. */
export function sourceRoomsOf(
  config: SourceBudgetConfig & RetentionPolicy,
  sourceAccounts: readonly string[],
  maxManual: number,
  held: ReadonlyArray<{ readonly lineage: string }>,
): Map<string, SourceRoom> {
  const accounts = [...new Set(sourceAccounts)];
  const maxSnapshots = config.maxSnapshotsPerSource ?? Math.max(1, Math.floor(maxManual / Math.max(1, accounts.length)));
  const maxLineages = config.maxLineagesPerSource ?? Math.max(1, Math.floor(maxSnapshots / copiesPerLineage(config)));
  const roomOf = (account: string): SourceRoom => ({ account, snapshots: 0, maxSnapshots, lineages: new Set<string>(), maxLineages, refused: 0 });
  const rooms = new Map(accounts.map((account) => [account, roomOf(account)]));
  for (const { lineage } of held) {
    const room = rooms.get(accountOfLineage(lineage));
    if (!room) continue; // a source that is no longer configured: its copies age out under retention
    room.snapshots += 1;
    room.lineages.add(lineage);
  }
  return rooms;
}

/** Why a copy into `lineage` would take the source past its budget, or undefined if it fits. */
export function sourceRefusalOf(room: SourceRoom, lineage: string): SourceRefusal | undefined {
  if (room.snapshots >= room.maxSnapshots) return 'source-snapshots';
  if (!room.lineages.has(lineage) && room.lineages.size >= room.maxLineages) return 'source-lineages';
  return undefined;
}

/** Counts a copy the pass plans into `lineage`. */
export function takeRoom(room: SourceRoom, lineage: string): void {
  room.snapshots += 1;
  room.lineages.add(lineage);
}

/** A line for the log: why a source gets no new copies. */
export function sourceRefusalMessage(room: SourceRoom, refusal: SourceRefusal, kind: string): string {
  const what = refusal === 'source-snapshots'
    ? `holds ${room.snapshots} ${kind} copies in the vault, its budget is ${room.maxSnapshots}`
    : `has ${room.lineages.size} ${kind} lineages (databases by resource id) in the vault, its budget is ${room.maxLineages}`;
  return `source account ${room.account} ${what}; ${room.refused} of its snapshots get no copy in this pass, and no other source loses room. `
    + 'Raise the manual snapshot quota or the per-source budget, or remove copies of lineages no longer wanted';
}
