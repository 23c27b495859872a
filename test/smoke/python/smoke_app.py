"""Python smoke test: a CDK app that uses both constructs the way a Python user
would (keyword arguments, Duration, an imported IDatabaseInstance), synthesizes
it, and checks the templates. Exits non-zero on any failure.

Run by test/smoke/python/run.sh against the wheel in dist/python.
"""
import json
import os
import sys
import tempfile

from aws_cdk import App, Duration, Environment, Stack, assertions
from aws_cdk import aws_rds as rds
from cdk_rds_failsafe import (
    AgeAlarmOptions, DatabaseTagSelector, RdsRestoreDrill, RdsSnapshotShipper, RdsSnapshotVault, SnapshotSource, VaultAlarmsOptions,
)

LIVE, FAILSAFE, REGION = "111111111111", "222222222222", "eu-west-1"

outdir = tempfile.mkdtemp(prefix="cdk-rds-failsafe-py-")
app = App(outdir=outdir)

live = Stack(app, "Live", env=Environment(account=LIVE, region=REGION))
orders = rds.DatabaseInstance.from_database_instance_attributes(
    live, "Orders",
    instance_identifier="orders",
    instance_endpoint_address="orders.example.internal",
    port=5432,
    security_groups=[],
)
ledger = rds.DatabaseCluster.from_database_cluster_attributes(live, "Ledger", cluster_identifier="ledger")
shipper = RdsSnapshotShipper(
    live, "Shipper",
    vault_account=FAILSAFE,
    instances=[orders],
    clusters=[ledger],
    select_by_tag=DatabaseTagSelector(key="dr", value="failsafe"),
    retention=Duration.days(3),
)

failsafe = Stack(app, "Failsafe", env=Environment(account=FAILSAFE, region=REGION))
vault = RdsSnapshotVault(
    failsafe, "Vault",
    sources=[SnapshotSource(topic_arn=f"arn:aws:sns:{REGION}:{LIVE}:rds-failsafe-shipper")],
    retention=Duration.days(31),
    minimum_copies=3,
    alarms=VaultAlarmsOptions(recovery_point=AgeAlarmOptions(max_age=Duration.hours(30))),
    dashboard=True,
)
drill = RdsRestoreDrill(failsafe, "RestoreDrill", vault=vault, databases_per_drill=4, max_drill_lifetime=Duration.hours(4))

assembly = app.synth()
checks = []


def check(name, ok):
    checks.append((name, bool(ok)))
    print(f"{'ok  ' if ok else 'FAIL'} {name}")


def handler_asset(stack_name, config_variable):
    """The index.js of the handler configured by `config_variable`, in the cloud assembly, found through the stack's asset manifest."""
    template = assembly.get_stack_by_name(stack_name).template
    functions = [r for r in template["Resources"].values()
                 if r["Type"] == "AWS::Lambda::Function" and config_variable in r["Properties"].get("Environment", {}).get("Variables", {})]
    asset_hash = functions[0]["Properties"]["Code"]["S3Key"].replace(".zip", "")
    with open(os.path.join(assembly.directory, f"{stack_name}.assets.json")) as f:
        source = json.load(f)["files"][asset_hash]["source"]
    return os.path.join(assembly.directory, source["path"], "index.js"), functions[0]


for stack_name, handler, variable in (("Live", "shipper", "SHIPPER_CONFIG"), ("Failsafe", "vault", "VAULT_CONFIG"), ("Failsafe", "restore drill", "DRILL_CONFIG")):
    path, fn = handler_asset(stack_name, variable)
    size = os.path.getsize(path) if os.path.exists(path) else 0
    check(f"{stack_name}: the {handler} handler's code asset is present and non-empty ({size} bytes)", size > 1000)
    check(f"{stack_name}: the {handler} handler runs on Node.js 24", fn["Properties"]["Runtime"] == "nodejs24.x")

live_t = assertions.Template.from_stack(live)
live_t.resource_count_is("AWS::SNS::Topic", 1)
live_t.has_resource_properties("AWS::SNS::Topic", {"TopicName": "rds-failsafe-shipper", "KmsMasterKeyId": assertions.Match.any_value()})
live_t.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
check("Live: the topic is named and encrypted, the shipping key rotates", True)
key_policies = json.dumps([r["Properties"]["KeyPolicy"] for r in live_t.find_resources("AWS::KMS::Key").values()])
check("Live: the shipping key policy lets the Failsafe account use it", f":iam::{FAILSAFE}:root" in key_policies and "kms:GrantIsForAWSResource" in key_policies)
config = json.dumps(live_t.find_resources("AWS::Lambda::Function"))
check("Live: the keyword arguments reached the handler configuration", '\\"identifiers\\":[\\"orders\\"]' in config and '\\"key\\":\\"dr\\"' in config and f'\\"retentionMs\\":{3 * 86400000}' in config)
check("Live: shipper.topic and shipper.shipping_key are usable from Python", shipper.topic is not None and shipper.shipping_key is not None)
check("Live: the Aurora cluster reached the configuration and the cluster copy permission",
      '\\"clusterIdentifiers\\":[\\"ledger\\"]' in config and "rds:CopyDBClusterSnapshot" in json.dumps(live_t.find_resources("AWS::IAM::Policy")))

fail_t = assertions.Template.from_stack(failsafe)
fail_t.has_resource_properties("AWS::SNS::Subscription", {
    "Protocol": "sqs",
    "TopicArn": f"arn:aws:sns:{REGION}:{LIVE}:rds-failsafe-shipper",
})
fail_t.has_resource_properties("AWS::KMS::Key", {"EnableKeyRotation": True})
check("Failsafe: the vault's announcement queue is subscribed to the Live topic, its key rotates", vault.announcement_queue is not None)
drill_config = json.dumps(handler_asset("Failsafe", "DRILL_CONFIG")[1])
check("Failsafe: the restore drill's keyword arguments reached its configuration, and its owner id is usable from Python",
      '\\"databasesPerDrill\\":4' in drill_config and f'\\"maxLifetimeMs\\":{4 * 3600000}' in drill_config and drill.owner_id.startswith("drill-"))
check("Failsafe: vault.vault_key and vault.source_accounts are usable from Python", vault.vault_key is not None and list(vault.source_accounts) == [LIVE])
alarms = fail_t.find_resources("AWS::CloudWatch::Alarm")
check("Failsafe: the alarms options reached the recovery-point alarm, and the alarms are usable from Python",
      any(a["Properties"].get("MetricName") == "OldestRecoveryPointAge" and a["Properties"]["Threshold"] == 30 * 3600 for a in alarms.values())
      and len(vault.recovery_point_alarms) == 1 and len(vault.alarms) + len(drill.alarms) == len(alarms) and vault.dashboard is not None)

try:
    RdsSnapshotVault(Stack(app, "Bad"), "Vault", sources=[], retention=Duration.days(31))
    check("bad props raise a clear error in Python", False)
except Exception as e:  # jsii surfaces the construct's error
    check("bad props raise a clear error in Python", "sources must name at least one shipper topic" in str(e))

failed = [name for name, ok in checks if not ok]
print(f"python smoke: {len(checks) - len(failed)} passed, {len(failed)} failed")
sys.exit(1 if failed else 0)
