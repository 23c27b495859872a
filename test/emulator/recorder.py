"""Records the AWS calls that the handlers make, for the authorization tests
(test/authorization). Not a fidelity patch: it changes no answer.

With FAILSAFE_EMULATOR_RECORD=<file>, every request whose user agent names an
application id (`app/<id>`, which the SDK adds from AWS_SDK_UA_APP_ID, and
which test/emulator/invoke.ts sets to the handler's name) is appended to the
file as one JSON line: the handler, the account and region moto resolved from
its credentials, the service, the action and the parameters as moto parsed
them. Requests that the tests make themselves carry no application id and are
not recorded.

IAM decides on what RDS knows when the call arrives, not on the parameters
alone: for every snapshot a call names, the line also gives the snapshot as it
was before the call (its ARN, tags, KMS key and who manages that key, and the
accounts it is shared with), or
that it did not exist.
"""
import json
import os
import re
import threading

from moto.core.responses import BaseResponse
from moto.kms import models as kms_models
from moto.rds import models as rds_models
from moto.rds.utils import split_arn

# Other libraries append their own marks to the id: the handler's name is its letters.
APP_ID = re.compile(r"(?:^|\s)app/([a-z]+)")


def _plain(value):  # type: ignore[no-untyped-def]
    """moto's parsed parameters as plain JSON values."""
    if hasattr(value, "items"):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


# The parameters that name a snapshot, and whether it is a cluster snapshot.
SNAPSHOT_PARAMS = {
    "db_snapshot_identifier": False,
    "source_db_snapshot_identifier": False,
    "target_db_snapshot_identifier": False,
    "db_cluster_snapshot_identifier": True,
    "source_db_cluster_snapshot_identifier": True,
    "target_db_cluster_snapshot_identifier": True,
}


def _key_facts(key_id, account, region):  # type: ignore[no-untyped-def]
    """The key as KMS has it; moto gives a database encrypted with the AWS
    managed key no key of its own, only a placeholder id."""
    if not key_id:
        return None
    if not key_id.startswith("arn:"):
        return {"id": key_id, "manager": "AWS"}
    _, _, _, key_region, key_account = key_id.split(":")[:5]
    key = kms_models.kms_backends[key_account][key_region].keys.get(key_id.split("/")[-1])
    return {"id": key_id, "manager": key.key_manager if key else "unknown"}


def _snapshot_facts(identifier, cluster, account, region):  # type: ignore[no-untyped-def]
    if identifier.startswith("arn:"):
        region, account, kind, name = split_arn(identifier)
        cluster = kind == "cluster-snapshot"
    else:
        name = identifier
    backend = rds_models.rds_backends[account][region]
    found = (backend.cluster_snapshots if cluster else backend.database_snapshots).get(name)
    kind = "cluster-snapshot" if cluster else "snapshot"
    arn = f"arn:aws:rds:{region}:{account}:{kind}:{name}"
    if found is None:
        return {"arn": arn, "exists": False}
    return {
        "arn": arn,
        "exists": True,
        "tags": {t["Key"]: t["Value"] for t in found.tags or []},
        "sharedWith": list(found.attributes.get("restore", [])),
        "key": _key_facts(found.kms_key_id if getattr(found, "encrypted", True) else None, account, region),
    }


def _snapshots_named(params, account, region):  # type: ignore[no-untyped-def]
    named = {}
    for param, cluster in SNAPSHOT_PARAMS.items():
        if params.get(param):
            named[param] = _snapshot_facts(params[param], cluster, account, region)
    if str(params.get("resource_name", "")).startswith("arn:"):
        named["resource_name"] = _snapshot_facts(params["resource_name"], False, account, region)
    return named


def install() -> bool:
    path = os.environ.get("FAILSAFE_EMULATOR_RECORD")
    if not path:
        return False
    lock = threading.Lock()
    original = BaseResponse.call_action

    def call_action(self):  # type: ignore[no-untyped-def]
        agent = f"{self.headers.get('User-Agent', '')} {self.headers.get('x-amz-user-agent', '')}"
        caller = APP_ID.search(agent)
        if caller:
            params = self.params if self.automated_parameter_parsing else self.querystring
            entry = {
                "caller": caller.group(1),
                "account": self.current_account,
                "region": self.region,
                "service": self.service_name,
                "action": self._get_action(),
                "params": _plain(params),
            }
            if self.service_name == "rds":
                entry["snapshots"] = _snapshots_named(entry["params"], self.current_account, self.region)
            with lock, open(path, "a", encoding="utf-8") as f:
                f.write(json.dumps(entry, default=str) + "\n")
        return original(self)

    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    return True
