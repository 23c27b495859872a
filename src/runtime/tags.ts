/**
 * Tag keys that record ownership and provenance on the snapshots the handlers
 * create. They are part of the contract with IAM: the constructs condition every
 * destructive or sharing permission on `OWNER`.
 *
 * RDS tag keys may not start with `aws:` or `rds:`, and may hold letters,
 * digits, spaces and `_ . : / = + - @`.
 */
export const TAG_PREFIX = 'cdk-rds-failsafe:';

export const TagKeys = {
  /** Which handler instance created (and so may delete) the snapshot. */
  OWNER: `${TAG_PREFIX}owner`,
  /** The database the snapshot is a copy of. */
  SOURCE_DATABASE: `${TAG_PREFIX}source-db`,
  /** The identifier of the snapshot it was copied from. */
  SOURCE_SNAPSHOT: `${TAG_PREFIX}source-snapshot`,
  /** The creation time of the original automated snapshot (ISO 8601): the recovery point. */
  SOURCE_TIME: `${TAG_PREFIX}source-time`,
  /** Set by the shipper once the copy is shared and announced (ISO 8601 time). */
  ANNOUNCED: `${TAG_PREFIX}announced`,
} as const;

/** Every tag key the shipper writes. IAM limits tagging to these keys. */
export const SHIPPER_TAG_KEYS: readonly string[] = Object.values(TagKeys);

export type TagMap = Readonly<Record<string, string>>;

export function toTagMap(list: ReadonlyArray<{ Key?: string; Value?: string }> | undefined): TagMap {
  const out: Record<string, string> = {};
  for (const t of list ?? []) {
    if (t.Key !== undefined) out[t.Key] = t.Value ?? '';
  }
  return out;
}

export function toTagList(map: TagMap): { Key: string; Value: string }[] {
  return Object.entries(map).map(([Key, Value]) => ({ Key, Value }));
}
