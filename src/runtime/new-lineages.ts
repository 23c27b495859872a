/**
 * New lineages: which passes may start a lineage the vault holds no copy of
 * yet. Pure.
 *
 * Only a pass that counts its source's lineages may start a new one, so that
 * no source gets past its lineage budget (source-budget.ts): a sweep. A pass
 * about one database (an announcement) leaves its new lineage to the next
 * sweep.
 *
 * With an hourly tier, for sources that ship more often than daily, the vault
 * copies around the clock. When slots are scarce, each one is taken as it
 * frees, by an announcement or by a successor (successors.ts), and a sweep
 * rarely finds one free. A database the vault holds nothing of, the stalest
 * of all and first in every sweep's queue, then waits for days: the bench
 * measured 55 hours at 1,000 databases shipping hourly, against 36 with daily
 * shipping, while successor passes refused it and left their slots to the
 * next announcement. So, with an hourly tier, the sweep promises its source's
 * lineage room to the new lineages it lists as successors, and the pass that
 * takes over a finished copy's slot for one of them starts it.
 *
 * Without an hourly tier nothing changes: a successor leaves a new lineage to
 * the sweep, as before, and the daily bench runs stay as they were. The same
 * wait can happen there when the vault is over capacity for long (the bench's
 * 1,000 instances and 200 clusters with hourly sweeps hold an instance
 * without a copy for 93 hours); `handsOnNewLineages` is where to widen it.
 */
import { RetentionPolicy } from './retention';
import { SourceRoom } from './source-budget';

/** Per source account, the new lineages a sweep has listed as successors: their room is promised. */
export type LineagePromises = Map<string, Set<string>>;

/** Whether successors may start new lineages: with an hourly tier only. */
export function handsOnNewLineages(policy: RetentionPolicy): boolean {
  return (policy.hourlyCopies ?? 0) > 0;
}

/**
 * Whether a pass about one database may start a new lineage: only one that
 * takes over a finished copy's slot for a successor, which a sweep listed
 * within its source's lineage budget, and only with an hourly tier.
 */
export function mayStartNewLineage(policy: RetentionPolicy, state: { readonly successor?: boolean }): boolean {
  return state.successor === true && handsOnNewLineages(policy);
}

/**
 * Whether a sweep may list a shipped snapshot of `lineage` waiting for a slot
 * as a successor. A lineage the source holds, or one already promised, may;
 * a new one only while the source's lineages and those promised stay within
 * its budget, and it is promised then. Without an hourly tier everything
 * waiting is listed, as before: a successor pass then leaves a new lineage to
 * the sweep.
 */
export function promiseLineage(policy: RetentionPolicy, promises: LineagePromises, room: SourceRoom, lineage: string): boolean {
  if (!handsOnNewLineages(policy) || room.lineages.has(lineage)) return true;
  const promised = promises.get(room.account) ?? new Set<string>();
  if (promised.has(lineage)) return true;
  if (room.lineages.size + promised.size >= room.maxLineages) return false;
  promises.set(room.account, promised.add(lineage));
  return true;
}
