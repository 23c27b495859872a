/**
 * What the shipper can learn at synth about the databases it is given: their
 * KMS keys, where CDK knows them, and their account and Region. Mistakes that
 * would otherwise synthesize and fail at run time (a copy RDS refuses, a
 * database that is never found) are caught here.
 */
import { Stack, Token, aws_rds as rds } from 'aws-cdk-lib';

/** A database passed to the shipper, with the prop it came from. */
export interface SelectedDatabase {
  /** For example `instances[0]`. */
  readonly prop: string;
  readonly identifier: string;
  readonly resource: rds.IDatabaseInstance | rds.IDatabaseCluster;
}

export function selectedDatabases(instances: rds.IDatabaseInstance[], clusters: rds.IDatabaseCluster[]): SelectedDatabase[] {
  return [
    ...instances.map((resource, i) => ({ prop: `instances[${i}]`, identifier: resource.instanceIdentifier, resource })),
    ...clusters.map((resource, i) => ({ prop: `clusters[${i}]`, identifier: resource.clusterIdentifier, resource })),
  ];
}

/** The L1 resource of a database defined in the app, or undefined for one imported by attributes. */
function definitionOf(db: SelectedDatabase): rds.CfnDBInstance | rds.CfnDBCluster | undefined {
  const child = db.resource.node.defaultChild;
  return child instanceof rds.CfnDBInstance || child instanceof rds.CfnDBCluster ? child : undefined;
}

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$|^mrk-[0-9a-f]{32}$/;

export interface DatabaseKeys {
  /** The ARNs of the customer managed keys of the databases defined in the app that have one. */
  readonly keyArns: string[];
  /** The databases whose key CDK cannot know: imported by attributes, or given a key by alias. */
  readonly unknown: SelectedDatabase[];
}

/**
 * The customer managed keys of the databases, read from their L1 resources
 * (`KmsKeyId`). A database with no key there is unencrypted or uses the AWS
 * managed key `aws/rds`, which needs no grant.
 */
export function keysOfDatabases(stack: Stack, databases: SelectedDatabase[]): DatabaseKeys {
  const keyArns: string[] = [];
  const unknown: SelectedDatabase[] = [];
  for (const db of databases) {
    const definition = definitionOf(db);
    if (!definition) {
      unknown.push(db);
      continue;
    }
    const keyId = definition.kmsKeyId;
    if (keyId === undefined) {
      // Restored from a snapshot, or a replica: encrypted as its source is, which CDK does not know.
      if (derivedFromAnother(definition)) unknown.push(db);
      continue;
    }
    // IAM authorizes key use by key ARN, never by alias (an alias ARN may hold tokens, but reads as one).
    if (keyId.includes('alias/')) unknown.push(db);
    else if (Token.isUnresolved(keyId) || (keyId.startsWith('arn:') && keyId.includes(':key/'))) keyArns.push(keyId);
    else if (KEY_ID.test(keyId)) keyArns.push(stack.formatArn({ service: 'kms', resource: 'key', resourceName: keyId }));
    else unknown.push(db);
  }
  return { keyArns: [...new Set(keyArns)], unknown };
}

/** Whether the database is made from another's data, whose key it keeps: a snapshot restore, a replica, a clone. */
function derivedFromAnother(definition: rds.CfnDBInstance | rds.CfnDBCluster): boolean {
  if (definition instanceof rds.CfnDBInstance) {
    return definition.dbSnapshotIdentifier !== undefined || definition.sourceDbInstanceIdentifier !== undefined
      || definition.dbClusterSnapshotIdentifier !== undefined || definition.sourceDbClusterIdentifier !== undefined;
  }
  return definition.snapshotIdentifier !== undefined || definition.sourceDbClusterIdentifier !== undefined || definition.restoreType !== undefined;
}

/**
 * Fails for a database of another account or Region than the shipper's
 * (`region`): the shipper would never find it. A database imported by
 * attributes into the shipper's own stack takes the stack's environment, so
 * it cannot be told apart, and is not checked.
 */
export function checkDatabaseEnvironments(
  stack: Stack, databases: SelectedDatabase[], region: string, fail: (message: string) => never,
): void {
  for (const db of databases) {
    if (!definitionOf(db) && Stack.of(db.resource) === stack) continue;
    const env = db.resource.env;
    const name = Token.isUnresolved(db.identifier) ? db.resource.node.path : db.identifier;
    if (!Token.isUnresolved(env.account) && !Token.isUnresolved(stack.account) && env.account !== stack.account) {
      fail(`${db.prop} (${name}) is in account ${env.account}, but the shipper runs in account ${stack.account}: `
        + 'a shipper ships the databases of its own account; deploy one in that account');
    }
    if (!Token.isUnresolved(env.region) && !Token.isUnresolved(region) && env.region !== region) {
      fail(`${db.prop} (${name}) is in ${env.region}, but the shipper ships databases in ${region}: deploy a shipper in ${env.region}, `
        + `or set sourceRegion to ${env.region} and import the database by attributes`);
    }
  }
}

/** The id of the warning about databases whose keys cannot be known (acknowledge it with Annotations.acknowledgeWarning). */
export const UNKNOWN_KEYS_WARNING = 'cdk-rds-failsafe:databaseKeysUnknown';
