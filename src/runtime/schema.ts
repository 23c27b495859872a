/**
 * The announcement the shipper publishes on SNS for every shared copy, and the
 * vault validates on receipt. Other subscribers (audit, chat) may rely on it, so
 * it changes only by adding optional fields or by raising `version`.
 *
 * Version 1:
 *
 * | field                    | type                     | meaning |
 * |--------------------------|--------------------------|---------|
 * | schema                   | "cdk-rds-failsafe/snapshot-shipped" | fixed |
 * | version                  | 1                        | schema version |
 * | kind                     | "instance" or "cluster"  | which RDS API family the snapshot belongs to |
 * | snapshotArn              | string                   | the shared copy, in the source account |
 * | snapshotIdentifier       | string                   | its identifier |
 * | sourceAccount            | 12 digits                | the account that owns the copy and publishes |
 * | sourceRegion             | string                   | its region |
 * | sourceDatabaseIdentifier | string                   | the database it is a backup of |
 * | engine                   | string                   | for example `postgres` |
 * | engineVersion            | string, optional         | for example `16.4` |
 * | sourceDatabaseResourceId | string, optional         | the database's immutable resource id (`DbiResourceId`, `DbClusterResourceId`); added in 1.x |
 * | sourceDatabaseRegion     | string, optional         | the database's Region, when the shipper copied the snapshot out of it into `sourceRegion`; absent when it is `sourceRegion`; added in 1.x |
 * | snapshotCreateTime       | ISO 8601                 | creation time of the original automated snapshot: the recovery point |
 * | encrypted                | boolean                  | whether the shared copy is encrypted |
 * | kmsKeyArn                | string, optional         | the key of the shared copy |
 * | shippedAt                | ISO 8601                 | when the shipper announced it |
 */
import { REGION } from './naming';

export const MESSAGE_SCHEMA = 'cdk-rds-failsafe/snapshot-shipped';
export const MESSAGE_VERSION = 1;
/** Largest message body accepted, in bytes. A v1 message is well under 2 KiB. */
export const MAX_MESSAGE_BYTES = 16 * 1024;

export type SnapshotKind = 'instance' | 'cluster';

export interface SnapshotShippedMessage {
  readonly schema: typeof MESSAGE_SCHEMA;
  readonly version: typeof MESSAGE_VERSION;
  readonly kind: SnapshotKind;
  readonly snapshotArn: string;
  readonly snapshotIdentifier: string;
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  readonly sourceDatabaseIdentifier: string;
  readonly engine: string;
  readonly engineVersion?: string;
  readonly sourceDatabaseResourceId?: string;
  /** The database's Region, when it is not `sourceRegion`: the shipper copied the snapshot across Regions. */
  readonly sourceDatabaseRegion?: string;
  readonly snapshotCreateTime: string;
  readonly encrypted: boolean;
  readonly kmsKeyArn?: string;
  readonly shippedAt: string;
}

/**
 * Why a message was rejected, as a short stable code: the `Reason` dimension
 * of the MessagesRejected metric. The log line carries the full reason.
 */
export type RejectionCode =
  | 'not-sns'
  | 'unknown-topic'
  | 'oversized'
  | 'malformed'
  | 'unknown-schema'
  | 'unsupported-version'
  | 'inconsistent-arn'
  | 'account-not-allowed'
  | 'topic-mismatch'
  | 'unsupported-kind'
  | 'not-a-shipper-copy'
  | 'name-mismatch'
  | 'future-time'
  | 'undeclared-region';

export interface Rejection {
  readonly ok: false;
  readonly code: RejectionCode;
  readonly reason: string;
}

export type ParseResult =
  | { readonly ok: true; readonly message: SnapshotShippedMessage }
  | Rejection;

function reject(code: RejectionCode, reason: string): Rejection {
  return { ok: false, code, reason };
}

const ACCOUNT = /^\d{12}$/;
const IDENT = /^[a-zA-Z][a-zA-Z0-9-]{0,254}$/;
const SNAPSHOT_ARN =
  /^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b):rds:([a-z0-9-]+):(\d{12}):(snapshot|cluster-snapshot):([a-zA-Z][a-zA-Z0-9-]{0,254})$/;

/** The parts of an RDS snapshot ARN, or undefined if it is not one. */
export interface SnapshotArnParts {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly kind: SnapshotKind;
  readonly identifier: string;
}

export function parseSnapshotArn(arn: string): SnapshotArnParts | undefined {
  const m = SNAPSHOT_ARN.exec(arn);
  if (!m) return undefined;
  return { partition: m[1], region: m[2], account: m[3], kind: m[4] === 'snapshot' ? 'instance' : 'cluster', identifier: m[5] };
}

function isIsoTime(v: unknown): v is string {
  return typeof v === 'string' && v.length <= 40 && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v));
}

/**
 * Validates a message body against the schema. It checks shape and internal
 * consistency (the ARN belongs to the announced account, region and kind); the
 * vault checks the announcing account against its allowlist separately.
 */
export function parseMessage(body: string): ParseResult {
  if (typeof body !== 'string') return reject('malformed', 'message body is not a string');
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_MESSAGE_BYTES) return reject('oversized', `message body is ${bytes} bytes, over the limit of ${MAX_MESSAGE_BYTES}`);
  let doc: unknown;
  try {
    doc = JSON.parse(body);
  } catch (e) {
    return reject('malformed', `message body is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) return reject('malformed', 'message body is not a JSON object');
  const m = doc as Record<string, unknown>;
  if (m.schema !== MESSAGE_SCHEMA) return reject('unknown-schema', `unknown schema ${JSON.stringify(m.schema)}; expected ${JSON.stringify(MESSAGE_SCHEMA)}`);
  if (m.version !== MESSAGE_VERSION) return reject('unsupported-version', `unsupported schema version ${JSON.stringify(m.version)}; this handler reads version ${MESSAGE_VERSION}`);

  const checks: Array<[string, (v: unknown) => boolean, string]> = [
    ['kind', (v) => v === 'instance' || v === 'cluster', '"instance" or "cluster"'],
    ['snapshotArn', (v) => typeof v === 'string' && SNAPSHOT_ARN.test(v), 'an RDS snapshot ARN'],
    ['snapshotIdentifier', (v) => typeof v === 'string' && IDENT.test(v), 'a snapshot identifier'],
    ['sourceAccount', (v) => typeof v === 'string' && ACCOUNT.test(v), 'a 12-digit account id'],
    ['sourceRegion', (v) => typeof v === 'string' && REGION.test(v), 'a region name'],
    ['sourceDatabaseIdentifier', (v) => typeof v === 'string' && IDENT.test(v) && v.length <= 63, 'a DB identifier'],
    ['engine', (v) => typeof v === 'string' && /^[a-z0-9-]{1,50}$/.test(v), 'an engine name'],
    ['snapshotCreateTime', isIsoTime, 'an ISO 8601 time'],
    ['encrypted', (v) => typeof v === 'boolean', 'a boolean'],
    ['shippedAt', isIsoTime, 'an ISO 8601 time'],
  ];
  for (const [field, valid, what] of checks) {
    if (!(field in m)) return reject('malformed', `missing field "${field}"`);
    if (!valid(m[field])) return reject('malformed', `field "${field}" must be ${what}`);
  }
  if (m.engineVersion !== undefined && !(typeof m.engineVersion === 'string' && /^[A-Za-z0-9._-]{1,64}$/.test(m.engineVersion))) {
    return reject('malformed', 'field "engineVersion" must be a version string');
  }
  if (m.sourceDatabaseResourceId !== undefined && !(typeof m.sourceDatabaseResourceId === 'string' && /^[A-Za-z0-9-]{1,128}$/.test(m.sourceDatabaseResourceId))) {
    return reject('malformed', 'field "sourceDatabaseResourceId" must be a resource id');
  }
  if (m.sourceDatabaseRegion !== undefined && !(typeof m.sourceDatabaseRegion === 'string' && REGION.test(m.sourceDatabaseRegion))) {
    return reject('malformed', 'field "sourceDatabaseRegion" must be a region name');
  }
  if (m.kmsKeyArn !== undefined && !(typeof m.kmsKeyArn === 'string' && /^arn:[a-z-]+:kms:[a-z0-9-]+:\d{12}:key\/[A-Za-z0-9-]{1,128}$/.test(m.kmsKeyArn))) {
    return reject('malformed', 'field "kmsKeyArn" must be a KMS key ARN');
  }

  const arn = parseSnapshotArn(m.snapshotArn as string)!;
  if (arn.account !== m.sourceAccount) return reject('inconsistent-arn', `snapshot ARN belongs to account ${arn.account}, not to the announced source account ${m.sourceAccount}`);
  if (arn.region !== m.sourceRegion) return reject('inconsistent-arn', `snapshot ARN is in region ${arn.region}, not in the announced source region ${m.sourceRegion}`);
  if (arn.kind !== m.kind) return reject('inconsistent-arn', `snapshot ARN is a ${arn.kind} snapshot, but the message says kind "${m.kind}"`);
  if (arn.identifier !== m.snapshotIdentifier) return reject('inconsistent-arn', 'snapshot ARN and snapshotIdentifier disagree');

  return { ok: true, message: m as unknown as SnapshotShippedMessage };
}

export function serializeMessage(message: SnapshotShippedMessage): string {
  return JSON.stringify(message);
}

/**
 * The manifest: once a day the shipper says which databases it ships, and the
 * newest recovery point it has shipped of each, so that the vault can tell a
 * database it never received from one that does not exist. Its own schema on
 * the same topic (the SNS attribute `messageType` is `manifest`, for filter
 * policies); the snapshot message above is unchanged.
 *
 * Version 1:
 *
 * | field          | type                 | meaning |
 * |----------------|----------------------|---------|
 * | schema         | "cdk-rds-failsafe/manifest" | fixed |
 * | version        | 1                    | schema version |
 * | sourceAccount  | 12 digits            | the Live account |
 * | sourceRegion   | string               | its region: the topic's |
 * | sourceDatabaseRegion | string, optional | the Region of the databases listed, when the shipper copies them out of it into `sourceRegion`; absent when it is `sourceRegion`; added in 1.x |
 * | publishedAt    | ISO 8601             | when the shipper published it |
 * | part, parts    | whole numbers        | this part and how many: a long list is split to fit SNS's 256 KiB |
 * | databases      | list                 | `{ kind, identifier, newestRecoveryPoint? }` per selected database; no recovery point if never shipped |
 */
export const MANIFEST_SCHEMA = 'cdk-rds-failsafe/manifest';
export const MANIFEST_VERSION = 1;
/** Largest manifest part, in bytes: SNS takes messages up to 256 KiB, and this leaves room for the envelope. */
export const MAX_MANIFEST_BYTES = 240 * 1024;

export interface ManifestEntry {
  readonly kind: SnapshotKind;
  readonly identifier: string;
  /** The newest recovery point the shipper has shipped of it (ISO 8601); absent if none. */
  readonly newestRecoveryPoint?: string;
}

export interface ManifestMessage {
  readonly schema: typeof MANIFEST_SCHEMA;
  readonly version: typeof MANIFEST_VERSION;
  readonly sourceAccount: string;
  readonly sourceRegion: string;
  /** The Region of the databases listed, when it is not `sourceRegion`. */
  readonly sourceDatabaseRegion?: string;
  readonly publishedAt: string;
  readonly part: number;
  readonly parts: number;
  readonly databases: readonly ManifestEntry[];
}

/** The `schema` a message body declares, or undefined if it is not a JSON object of a size any message may have. */
export function schemaOf(body: unknown): unknown {
  if (typeof body !== 'string' || Buffer.byteLength(body, 'utf8') > MAX_MANIFEST_BYTES) return undefined;
  try {
    const doc = JSON.parse(body);
    return typeof doc === 'object' && doc !== null && !Array.isArray(doc) ? doc.schema : undefined;
  } catch {
    return undefined;
  }
}

/** Validates a manifest's shape; the vault checks the account and region against the topic separately. */
export function parseManifest(body: string): { readonly ok: true; readonly manifest: ManifestMessage } | Rejection {
  const bytes = Buffer.byteLength(body, 'utf8');
  if (bytes > MAX_MANIFEST_BYTES) return reject('oversized', `manifest is ${bytes} bytes, over the limit of ${MAX_MANIFEST_BYTES}`);
  let m: Record<string, unknown>;
  try {
    m = JSON.parse(body);
  } catch (e) {
    return reject('malformed', `manifest is not valid JSON: ${(e as Error).message}`);
  }
  if (typeof m !== 'object' || m === null || Array.isArray(m) || m.schema !== MANIFEST_SCHEMA) return reject('unknown-schema', 'not a manifest');
  if (m.version !== MANIFEST_VERSION) return reject('unsupported-version', `unsupported manifest version ${JSON.stringify(m.version)}; this handler reads version ${MANIFEST_VERSION}`);
  const checks: Array<[string, (v: unknown) => boolean, string]> = [
    ['sourceAccount', (v) => typeof v === 'string' && ACCOUNT.test(v), 'a 12-digit account id'],
    ['sourceRegion', (v) => typeof v === 'string' && REGION.test(v), 'a region name'],
    ['publishedAt', isIsoTime, 'an ISO 8601 time'],
    ['part', (v) => Number.isInteger(v) && (v as number) >= 1, 'a whole number of at least 1'],
    ['parts', (v) => Number.isInteger(v) && (v as number) >= (m.part as number) && (v as number) <= 1000, 'a whole number from part to 1000'],
    ['databases', Array.isArray, 'a list'],
  ];
  for (const [field, valid, what] of checks) {
    if (!(field in m)) return reject('malformed', `missing field "${field}"`);
    if (!valid(m[field])) return reject('malformed', `field "${field}" must be ${what}`);
  }
  if (m.sourceDatabaseRegion !== undefined && !(typeof m.sourceDatabaseRegion === 'string' && REGION.test(m.sourceDatabaseRegion))) {
    return reject('malformed', 'field "sourceDatabaseRegion" must be a region name');
  }
  for (const [i, d] of (m.databases as unknown[]).entries()) {
    const e = d as Record<string, unknown>;
    const ok = typeof e === 'object' && e !== null
      && (e.kind === 'instance' || e.kind === 'cluster')
      && typeof e.identifier === 'string' && IDENT.test(e.identifier) && e.identifier.length <= 63
      && (e.newestRecoveryPoint === undefined || isIsoTime(e.newestRecoveryPoint));
    if (!ok) return reject('malformed', `databases[${i}] must be { kind, identifier, newestRecoveryPoint? }`);
  }
  return { ok: true, manifest: m as unknown as ManifestMessage };
}
