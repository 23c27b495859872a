/**
 * Callers in JavaScript, Python, Java and Go can pass props that break the
 * TypeScript types. Every prop of every construct, as the jsii assembly lists
 * it, is passed a value of no type the library takes: the construct must
 * answer with an error that names the prop, never a TypeError.
 */
import * as fs from 'fs';
import * as path from 'path';
import { App, Duration, Stack, aws_rds as rds } from 'aws-cdk-lib';
import { RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault } from '../../src';

const ASSEMBLY = path.join(__dirname, '..', '..', '.jsii');
const LIVE = { account: '111111111111', region: 'eu-west-1' };
const FAILSAFE = { account: '222222222222', region: 'eu-west-1' };
const TOPIC = 'arn:aws:sns:eu-west-1:111111111111:rds-failsafe-shipper';

interface JsiiProperty { readonly name: string; readonly optional?: boolean }
interface JsiiType { readonly properties?: JsiiProperty[]; readonly interfaces?: string[] }

/** Every property of a struct of this library, its base interfaces' included, as the jsii assembly lists them. */
function structProperties(fqn: string): JsiiProperty[] {
  if (!fs.existsSync(ASSEMBLY)) throw new Error('.jsii is missing: run `npx projen compile` first (the build compiles before it tests)');
  const types: Record<string, JsiiType> = JSON.parse(fs.readFileSync(ASSEMBLY, 'utf8')).types;
  const type = types[fqn];
  if (!type) throw new Error(`${fqn} is not in the assembly`);
  return [...(type.properties ?? []), ...(type.interfaces ?? []).flatMap((base) => structProperties(base))];
}

function stacks() {
  const app = new App();
  return { live: new Stack(app, 'Live', { env: LIVE }), failsafe: new Stack(app, 'Failsafe', { env: FAILSAFE }) };
}

type Make = (override: Record<string, unknown>) => void;

const constructs: Array<{ name: string; fqn: string; make: Make }> = [
  {
    name: 'RdsSnapshotShipper',
    fqn: 'cdk-rds-failsafe.RdsSnapshotShipperProps',
    make: (override) => {
      const { live } = stacks();
      const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, 'Db', {
        instanceIdentifier: 'orders', instanceEndpointAddress: 'orders.example', port: 5432, securityGroups: [],
      });
      new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: FAILSAFE.account, instances: [db], ...override } as any);
    },
  },
  {
    name: 'RdsSnapshotVault',
    fqn: 'cdk-rds-failsafe.RdsSnapshotVaultProps',
    make: (override) => {
      const { failsafe } = stacks();
      new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: TOPIC }], ...override } as any);
    },
  },
  {
    name: 'RdsRestoreDrill',
    fqn: 'cdk-rds-failsafe.RdsRestoreDrillProps',
    make: (override) => {
      const { failsafe } = stacks();
      const vault = new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: TOPIC }] });
      new RdsRestoreDrill(failsafe, 'Drill', { vault, ...override } as any);
    },
  },
];

/** A value of no type any prop takes: not a string, number, boolean, object or list. */
const WRONG = Symbol('wrong');

describe.each(constructs)('$name', ({ name, fqn, make }) => {
  const properties = structProperties(fqn);

  test('the assembly lists its props', () => {
    expect(properties.length).toBeGreaterThan(10);
  });

  test('the valid props synthesize', () => {
    expect(() => make({})).not.toThrow();
  });

  test.each(properties.map((p) => p.name))('a wrong value for %s is an error that names it', (prop) => {
    let error: unknown;
    try {
      make({ [prop]: WRONG });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(Error);
    expect(error).not.toBeInstanceOf(TypeError);
    expect((error as Error).message).toMatch(new RegExp(`^${name}: ${prop} must be .*, got a symbol$`));
  });

  test.each(properties.filter((p) => !p.optional).map((p) => p.name))('a missing %s is an error that names it', (prop) => {
    expect(() => make({ [prop]: undefined })).toThrow(new RegExp(`^${name}: ${prop} is required$`));
  });

  test.each(properties.filter((p) => p.optional).map((p) => p.name))('null for %s is an error that names it', (prop) => {
    expect(() => make({ [prop]: null })).toThrow(new RegExp(`^${name}: ${prop} must be left out rather than null$`));
  });
});

describe('inside lists and structs', () => {
  const { live, failsafe } = stacks();

  test('an imported cluster with no identifier, as plain JavaScript can pass it', () => {
    const cluster = rds.DatabaseCluster.fromDatabaseClusterAttributes(live, 'Cluster', { clusterIdentifier: undefined as any });
    expect(() => new RdsSnapshotShipper(live, 'Shipper', { vaultAccount: FAILSAFE.account, clusters: [cluster] }))
      .toThrow(/^RdsSnapshotShipper: clusters\[0\] must be a DB cluster \(rds.IDatabaseCluster\) with a clusterIdentifier, got one whose clusterIdentifier is undefined$/);
  });

  test('a plain object with the attributes of a database, as plain JavaScript can pass it', () => {
    expect(() => new RdsSnapshotShipper(live, 'Plain', { vaultAccount: FAILSAFE.account, instances: [{ instanceIdentifier: 'orders' } as any] }))
      .toThrow(/^RdsSnapshotShipper: instances\[0\] must be a DB instance \(rds.IDatabaseInstance\), made or imported in the app, got a plain object$/);
  });

  test('a single key where a list is expected', () => {
    const db = rds.DatabaseInstance.fromDatabaseInstanceAttributes(live, 'Db', {
      instanceIdentifier: 'orders', instanceEndpointAddress: 'orders.example', port: 5432, securityGroups: [],
    });
    expect(() => new RdsSnapshotShipper(live, 'Shipper2', { vaultAccount: FAILSAFE.account, instances: [db], sourceKeys: {} as any }))
      .toThrow(/^RdsSnapshotShipper: sourceKeys must be a list, got an object$/);
  });

  test('a number of hours where a Duration is expected, in a source', () => {
    expect(() => new RdsSnapshotVault(failsafe, 'Vault', { sources: [{ topicArn: TOPIC, recoveryPointInterval: 4 as any }] }))
      .toThrow(/^RdsSnapshotVault: sources\[0\].recoveryPointInterval must be a Duration \(for example Duration.hours\(2\)\), got the number 4$/);
  });

  test('an alarm option of the wrong type', () => {
    expect(() => new RdsSnapshotVault(failsafe, 'Vault2', { sources: [{ topicArn: TOPIC }], alarms: { manifest: { maxAge: '26h' as any } } }))
      .toThrow(/^RdsSnapshotVault: alarms.manifest.maxAge must be a Duration \(for example Duration.hours\(2\)\), got the string "26h"$/);
  });

  test('a Duration passes however it was made', () => {
    expect(() => new RdsSnapshotVault(failsafe, 'Vault3', { sources: [{ topicArn: TOPIC }], retention: Duration.days(40) })).not.toThrow();
  });
});
