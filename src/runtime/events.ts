/**
 * What an RDS event tells a pass: the one database it is about. RDS events are
 * best effort (they can be lost or arrive out of order), so they only make the
 * work quicker: a pass woken by one reads and acts on that database alone, and
 * the scheduled sweep remains the full reconcile. Shared by both handlers.
 */
import { DbKind } from './budget';
import { parseAutomatedName, parseShippedName } from './naming';

/** The database an event is about, and the event. */
export interface EventFocus {
  readonly kind: DbKind;
  readonly database: string;
  /** For example RDS-EVENT-0091. */
  readonly eventId: string;
  /** The snapshot the event names. */
  readonly snapshot: string;
}

/**
 * The events that say a DB snapshot copy has finished: RDS-EVENT-0197 for a
 * copy within a Region, RDS-EVENT-0060 for a copy across Regions (RDS User
 * Guide, "Amazon RDS event categories and event messages"). RDS has none for
 * DB cluster snapshot copies.
 */
export const COPY_FINISHED_EVENTS: readonly string[] = ['RDS-EVENT-0197', 'RDS-EVENT-0060'];

/**
 * The events that say a manual snapshot has been created: RDS-EVENT-0042 for a
 * DB snapshot, RDS-EVENT-0075 for a DB cluster snapshot (RDS User Guide and
 * Aurora User Guide, "Amazon RDS event categories and event messages"). A
 * shipper that takes its own snapshots (recovery-points.ts) copies each one
 * as soon as it is there.
 */
export const SNAPSHOT_CREATED_EVENTS: Readonly<Record<DbKind, string>> = { instance: 'RDS-EVENT-0042', cluster: 'RDS-EVENT-0075' };

/**
 * The shipper's events: a new automated snapshot of a DB instance
 * (RDS-EVENT-0091) or of a DB cluster (RDS-EVENT-0169), a finished copy of
 * the shipper's (COPY_FINISHED_EVENTS), and a snapshot the shipper took
 * (SNAPSHOT_CREATED_EVENTS). Undefined for anything else, which then wakes a
 * full sweep.
 */
export function shipperFocusOf(event: unknown): EventFocus | undefined {
  const e = event as { source?: unknown; detail?: { EventID?: unknown; SourceIdentifier?: unknown } } | undefined;
  const eventId = e?.detail?.EventID;
  const snapshot = e?.detail?.SourceIdentifier;
  if (e?.source !== 'aws.rds' || typeof eventId !== 'string' || typeof snapshot !== 'string') return undefined;
  const focus = (kind: DbKind, database: string | undefined) => (database === undefined ? undefined : { kind, database, eventId, snapshot });
  switch (eventId) {
    case 'RDS-EVENT-0091': return focus('instance', parseAutomatedName(snapshot));
    case 'RDS-EVENT-0169': return focus('cluster', parseAutomatedName(snapshot));
    case 'RDS-EVENT-0197':
    case 'RDS-EVENT-0060':
      return focus('instance', parseShippedName(snapshot)?.database);
    case SNAPSHOT_CREATED_EVENTS.instance:
    case SNAPSHOT_CREATED_EVENTS.cluster: {
      const named = parseShippedName(snapshot);
      return focus(eventId === SNAPSHOT_CREATED_EVENTS.cluster ? 'cluster' : 'instance', named?.taken ? named.database : undefined);
    }
    default: return undefined;
  }
}

const VAULT_INSTANCE_COPY = /^vault-(\d{12})-([a-z]{2}(?:-[a-z]+)+-\d+)-(failsafe-.+)$/;

/**
 * The vault's event: one of its DB snapshot copies finished (COPY_FINISHED_EVENTS:
 * within its Region, or across Regions from a source in another; RDS has none
 * for cluster copies). The copy is named `vault-<account>-<region>-<shipped name>`,
 * and the shipped name names the database. Undefined for anything else, which
 * then wakes a sweep.
 */
export function vaultFocusOf(event: unknown): EventFocus | undefined {
  const e = event as { source?: unknown; detail?: { EventID?: unknown; SourceIdentifier?: unknown } } | undefined;
  const snapshot = e?.detail?.SourceIdentifier;
  const eventId = e?.detail?.EventID;
  if (e?.source !== 'aws.rds' || typeof eventId !== 'string' || !COPY_FINISHED_EVENTS.includes(eventId) || typeof snapshot !== 'string') return undefined;
  const shipped = VAULT_INSTANCE_COPY.exec(snapshot.toLowerCase())?.[3];
  const database = shipped === undefined ? undefined : parseShippedName(shipped)?.database;
  return database === undefined ? undefined : { kind: 'instance', database, eventId, snapshot };
}
