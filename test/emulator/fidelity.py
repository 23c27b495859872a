"""Fidelity patches for moto server: each closes a gap between moto and RDS
that would otherwise hide a bug in cdk-rds-failsafe. See README.md beside this
file for what each emulates, why, and the test that proves it.

Every patch is applied when the server starts (server.py) and can be turned
off by name with FAILSAFE_EMULATOR_PATCHES_OFF=name,name so that the tests can
show the gap it closes.
"""
import os
import string
from copy import copy as shallow_copy
import threading
from datetime import datetime

from moto.moto_api._internal import mock_random as moto_random
from moto.rds import models as rds_models
from moto.rds.exceptions import InvalidDBClusterStateFault, InvalidParameterValue, KMSKeyNotAccessibleFault, RDSClientError
from moto.rds.utils import split_arn

APPLIED: list[str] = []


def _off(name: str) -> bool:
    return name in os.environ.get("FAILSAFE_EMULATOR_PATCHES_OFF", "").split(",")


def cross_account_snapshot_by_arn() -> None:
    """RDS resolves a snapshot ARN in the account the ARN names, and lets another
    account use it only if that account is in the snapshot's `restore`
    attribute (or it is public). moto looks the ARN up in the caller's own
    account, so a copy of a shared snapshot fails and an unshared one cannot
    be refused."""
    original = rds_models.RDSBackend.get_snapshot

    def get_snapshot(self, identifier, resource_type, not_found_exception):  # type: ignore[no-untyped-def]
        if identifier.startswith("arn:"):
            region, account, _, name = split_arn(identifier)
            if account != self.account_id:
                owner = rds_models.rds_backends[account][region]
                snapshot = owner.resource_map[resource_type].get(name)
                restore = snapshot.attributes.get("restore", []) if snapshot else []
                if snapshot is None or (self.account_id not in restore and "all" not in restore):
                    raise not_found_exception(identifier)
                return snapshot
        return original(self, identifier, resource_type, not_found_exception)

    rds_models.RDSBackend.get_snapshot = get_snapshot  # type: ignore[method-assign]


def _start_creating(resource, pending: int):  # type: ignore[no-untyped-def]
    """Marks a new copy, a snapshot taken, or a restored DB instance or cluster, `creating` for the next `pending` describe calls that return it."""
    if pending > 0:
        resource.status = "creating"
        resource.failsafe_pending_describes = pending
    return resource


def _advance(resources):  # type: ignore[no-untyped-def]
    """Counts a describe call that returns these: each marked one reads `creating` until its count is used up, then `available`."""
    for r in resources:
        left = getattr(r, "failsafe_pending_describes", None)
        if left is None:
            continue
        if left > 0:
            r.status = "creating"  # DBCluster.status is a property: this re-arms moto's one-read flip
            r.failsafe_pending_describes = left - 1
        else:
            r.status = "available"
            del r.failsafe_pending_describes
    return resources


def creating_phase() -> None:
    """RDS copies take minutes to hours: a new copy is `creating` first, and a
    snapshot that is not `available` cannot be copied or shared
    (InvalidDBSnapshotState). moto makes copies available at once. With
    FAILSAFE_EMULATOR_COPY_PENDING_DESCRIBES=N, each new copy is reported as
    `creating` by the next N describe calls that return it, then `available`."""
    pending = int(os.environ.get("FAILSAFE_EMULATOR_COPY_PENDING_DESCRIBES", "0"))
    copy = rds_models.RDSBackend.copy_db_snapshot
    describe = rds_models.RDSBackend.describe_db_snapshots
    modify = rds_models.RDSBackend.modify_db_snapshot_attribute
    copy_cluster = rds_models.RDSBackend.copy_db_cluster_snapshot
    describe_cluster = rds_models.RDSBackend.describe_db_cluster_snapshots
    modify_cluster = rds_models.RDSBackend.modify_db_cluster_snapshot_attribute

    def require_available(snapshot, action, code="InvalidDBSnapshotState"):  # type: ignore[no-untyped-def]
        if snapshot.status != "available":
            name = getattr(snapshot, "db_snapshot_identifier", None) or snapshot.db_cluster_snapshot_identifier
            raise RDSClientError(code, f"Cannot {action} snapshot {name}: it is {snapshot.status}, not available.")

    # DB cluster snapshots: the same, with the cluster error code.
    def copy_db_cluster_snapshot(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        require_available(self.get_db_cluster_snapshot(source_db_cluster_snapshot_identifier), "copy", "InvalidDBClusterSnapshotStateFault")
        return _start_creating(copy_cluster(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, *args, **kwargs), pending)

    def describe_db_cluster_snapshots(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return _advance(describe_cluster(self, *args, **kwargs))

    def modify_db_cluster_snapshot_attribute(self, db_cluster_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        snapshot = self.cluster_snapshots.get(db_cluster_snapshot_identifier)
        if snapshot is not None:
            require_available(snapshot, "share", "InvalidDBClusterSnapshotStateFault")
        return modify_cluster(self, db_cluster_snapshot_identifier, *args, **kwargs)

    def copy_db_snapshot(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        require_available(self.get_db_snapshot(source_db_snapshot_identifier), "copy")
        return _start_creating(copy(self, source_db_snapshot_identifier, target_db_snapshot_identifier, *args, **kwargs), pending)

    def describe_db_snapshots(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return _advance(describe(self, *args, **kwargs))

    def modify_db_snapshot_attribute(self, db_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        snapshot = self.database_snapshots.get(db_snapshot_identifier)
        if snapshot is not None:
            require_available(snapshot, "share")
        return modify(self, db_snapshot_identifier, *args, **kwargs)

    rds_models.RDSBackend.copy_db_snapshot = copy_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.describe_db_snapshots = describe_db_snapshots  # type: ignore[method-assign]
    rds_models.RDSBackend.modify_db_snapshot_attribute = modify_db_snapshot_attribute  # type: ignore[method-assign]
    rds_models.RDSBackend.copy_db_cluster_snapshot = copy_db_cluster_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.describe_db_cluster_snapshots = describe_db_cluster_snapshots  # type: ignore[method-assign]
    rds_models.RDSBackend.modify_db_cluster_snapshot_attribute = modify_db_cluster_snapshot_attribute  # type: ignore[method-assign]


def disabled_keys_refused() -> None:
    """RDS refuses a copy with a KMS key that is disabled: KMSKeyNotAccessibleFault,
    "Specified KMS key [...] does not exist, is not enabled or you do not have
    permissions to access it." moto only checks that the key exists, so a
    broken key can never make a copy fail."""
    original = rds_models.RDSBackend._validate_kms_key

    def validate(self, kms_key_id):  # type: ignore[no-untyped-def]
        arn = original(self, kms_key_id)
        _, _, _, region, account, resource = arn.split(":", 5)
        key = self.get_backend("kms", region, account).keys.get(resource.split("/", 1)[-1])
        if key is not None and key.key_state != "Enabled":
            raise KMSKeyNotAccessibleFault(kms_key_id)
        return arn

    rds_models.RDSBackend._validate_kms_key = validate  # type: ignore[method-assign]


# The RDS User Guide ("Sharing encrypted snapshots"): "You can't share a
# snapshot that has been encrypted using the default KMS key of the AWS
# account that shared the snapshot." The RDS API Reference lists no error
# code of its own for this case, so the parameter error is used.
DEFAULT_KEY_SHARE_MESSAGE = (
    "You can't share a snapshot that has been encrypted using the default KMS key "
    "of the AWS account that shared the snapshot."
)


def default_key_share_refused() -> None:
    """RDS refuses to share a snapshot encrypted with the AWS managed key
    aws/rds. moto shares it, which would hide a shipper that shares the source
    snapshot instead of its copy under the shipping key. moto encrypts with
    the default key under the name `default_kms_key_id`."""
    original = rds_models.RDSBackend.modify_db_snapshot_attribute

    def modify(self, db_snapshot_identifier, attribute_name, values_to_add=None, values_to_remove=None):  # type: ignore[no-untyped-def]
        snapshot = self.database_snapshots.get(db_snapshot_identifier)
        if (snapshot is not None and attribute_name == "restore" and values_to_add
                and snapshot.encrypted and snapshot.kms_key_id in ("default_kms_key_id", "alias/aws/rds")):
            raise RDSClientError("InvalidParameterValue", DEFAULT_KEY_SHARE_MESSAGE)
        return original(self, db_snapshot_identifier, attribute_name, values_to_add, values_to_remove)

    original_cluster = rds_models.RDSBackend.modify_db_cluster_snapshot_attribute

    def modify_cluster(self, db_cluster_snapshot_identifier, attribute_name, values_to_add=None, values_to_remove=None):  # type: ignore[no-untyped-def]
        snapshot = self.cluster_snapshots.get(db_cluster_snapshot_identifier)
        if (snapshot is not None and attribute_name == "restore" and values_to_add
                and snapshot.encrypted and snapshot.kms_key_id in (None, "default_kms_key_id", "alias/aws/rds")):
            raise RDSClientError("InvalidParameterValue", DEFAULT_KEY_SHARE_MESSAGE)
        return original_cluster(self, db_cluster_snapshot_identifier, attribute_name, values_to_add, values_to_remove)

    rds_models.RDSBackend.modify_db_snapshot_attribute = modify  # type: ignore[method-assign]
    rds_models.RDSBackend.modify_db_cluster_snapshot_attribute = modify_cluster  # type: ignore[method-assign]


# The RDS API Reference, CopyDBClusterSnapshot, KmsKeyId: "If you copy an
# unencrypted DB cluster snapshot and specify a value for the KmsKeyId
# parameter, an error is returned." and "If you copy an encrypted DB cluster
# snapshot that is shared from another Amazon Web Services account, then you
# must specify a value for KmsKeyId." It names no error code for either case,
# so the parameter error is used.
def cluster_copy_encryption_rules() -> None:
    """RDS cannot encrypt an unencrypted cluster snapshot by copying it, and
    needs a key of the copying account to copy an encrypted shared one. moto
    encrypts the first and copies the second under the source's key, which
    would hide a shipper or vault that passes the wrong KmsKeyId."""
    original = rds_models.RDSBackend.copy_db_cluster_snapshot

    def copy_cluster(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, kms_key_id=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        source = self.get_db_cluster_snapshot(source_db_cluster_snapshot_identifier)
        if kms_key_id and not source.encrypted:
            raise RDSClientError("InvalidParameterCombination", "You can't encrypt an unencrypted DB cluster snapshot when you copy it (KmsKeyId given).")
        shared = source_db_cluster_snapshot_identifier.startswith("arn:") and split_arn(source_db_cluster_snapshot_identifier)[1] != self.account_id
        if shared and source.encrypted and not kms_key_id:
            raise RDSClientError("InvalidParameterCombination", "Copying an encrypted DB cluster snapshot shared from another account needs KmsKeyId.")
        return original(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, kms_key_id, *args, **kwargs)

    rds_models.RDSBackend.copy_db_cluster_snapshot = copy_cluster  # type: ignore[method-assign]


# The RDS API Reference, CopyDBClusterSnapshot, TargetDBClusterSnapshotIdentifier:
# "Must contain from 1 to 63 letters, numbers, or hyphens." (DB instance
# snapshot identifiers may have 255.)
def cluster_snapshot_name_limit() -> None:
    """RDS refuses a cluster snapshot identifier of more than 63 characters.
    moto takes any length, which would hide names that only fit instance
    snapshots."""
    original = rds_models.RDSBackend.copy_db_cluster_snapshot

    def copy_cluster(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, *args, **kwargs):  # type: ignore[no-untyped-def]
        if len(target_db_cluster_snapshot_identifier) > 63:
            raise RDSClientError("InvalidParameterValue", f"The parameter TargetDBClusterSnapshotIdentifier is not a valid identifier: {target_db_cluster_snapshot_identifier} has more than 63 characters.")
        return original(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, *args, **kwargs)

    rds_models.RDSBackend.copy_db_cluster_snapshot = copy_cluster  # type: ignore[method-assign]


# The RDS API Reference, DescribeAccountAttributes: the quotas `ManualSnapshots`
# ("The used value is the count of the manual DB instance snapshots in the
# account") and `ManualClusterSnapshots` (the same for DB cluster snapshots).
# moto has no DescribeAccountAttributes, and counts automated snapshots too
# against its own limit (MOTO_RDS_SNAPSHOT_LIMIT, default 1000).
MANUAL_QUOTA_MESSAGE = "Cannot create more than {limit} manual snapshots"


def _manual_snapshot_limit() -> int:
    return int(os.environ.get("MOTO_RDS_SNAPSHOT_LIMIT", "1000"))


# moto server answers requests on several threads. Counting snapshots while
# another request adds one raises "dictionary changed size during iteration"
# (an HTTP 500): the quota and in-flight patches count and create under this
# lock, and read a copy of the values.
_SNAPSHOTS_LOCK = threading.RLock()


def _values(snapshots):  # type: ignore[no-untyped-def]
    with _SNAPSHOTS_LOCK:
        return list(snapshots.values())


def _manual_count(snapshots) -> int:  # type: ignore[no-untyped-def]
    return sum(1 for s in _values(snapshots) if getattr(s, "snapshot_type", "manual") == "manual")


def account_quotas() -> None:
    """RDS reports the manual snapshot quotas and their use with
    DescribeAccountAttributes, and counts only manual snapshots against them,
    each kind apart. moto has no DescribeAccountAttributes and counts automated
    snapshots as well. With this patch the emulator enforces the quota it
    reports: Max is MOTO_RDS_SNAPSHOT_LIMIT, Used is the account's real count of
    manual snapshots of that kind, and a manual snapshot or copy past it fails
    with SnapshotQuotaExceeded and RDS's message."""
    from moto.core.responses import ActionResult
    from moto.rds.responses import RDSResponse

    # moto's own check counts every snapshot; this patch does the counting.
    rds_models.RDSBackend.SNAPSHOT_QUOTA = property(lambda self: 10**9)  # type: ignore[method-assign, assignment]

    def refuse_past_quota(snapshots) -> None:  # type: ignore[no-untyped-def]
        limit = _manual_snapshot_limit()
        if _manual_count(snapshots) >= limit:
            raise RDSClientError("SnapshotQuotaExceeded", MANUAL_QUOTA_MESSAGE.format(limit=limit))

    create = rds_models.RDSBackend.create_db_snapshot
    copy = rds_models.RDSBackend.copy_db_snapshot
    create_cluster = rds_models.RDSBackend.create_db_cluster_snapshot
    copy_cluster = rds_models.RDSBackend.copy_db_cluster_snapshot

    def create_db_snapshot(self, db_instance_identifier, db_snapshot_identifier, snapshot_type="manual", *args, **kwargs):  # type: ignore[no-untyped-def]
        with _SNAPSHOTS_LOCK:
            if snapshot_type == "manual":
                refuse_past_quota(self.database_snapshots)
            return create(self, db_instance_identifier, db_snapshot_identifier, snapshot_type, *args, **kwargs)

    def copy_db_snapshot(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _SNAPSHOTS_LOCK:
            refuse_past_quota(self.database_snapshots)
            return copy(self, *args, **kwargs)

    def create_db_cluster_snapshot(self, db_cluster_identifier, db_cluster_snapshot_identifier, snapshot_type="manual", *args, **kwargs):  # type: ignore[no-untyped-def]
        with _SNAPSHOTS_LOCK:
            if snapshot_type == "manual":
                refuse_past_quota(self.cluster_snapshots)
            return create_cluster(self, db_cluster_identifier, db_cluster_snapshot_identifier, snapshot_type, *args, **kwargs)

    def copy_db_cluster_snapshot(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _SNAPSHOTS_LOCK:
            refuse_past_quota(self.cluster_snapshots)
            return copy_cluster(self, *args, **kwargs)

    def describe_account_attributes(self):  # type: ignore[no-untyped-def]
        limit = _manual_snapshot_limit()
        return ActionResult({"AccountQuotas": [
            {"AccountQuotaName": "ManualSnapshots", "Used": _manual_count(self.backend.database_snapshots), "Max": limit},
            {"AccountQuotaName": "ManualClusterSnapshots", "Used": _manual_count(self.backend.cluster_snapshots), "Max": limit},
        ]})

    rds_models.RDSBackend.create_db_snapshot = create_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.copy_db_snapshot = copy_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.create_db_cluster_snapshot = create_db_cluster_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.copy_db_cluster_snapshot = copy_db_cluster_snapshot  # type: ignore[method-assign]
    RDSResponse.describe_account_attributes = describe_account_attributes  # type: ignore[attr-defined]


# The RDS User Guide ("Copying a DB snapshot") and the Aurora User Guide
# ("Copying a DB cluster snapshot"): up to 20 DB snapshot and up to 5 DB
# cluster snapshot copy requests in progress per destination Region per
# account. RDS answers SnapshotQuotaExceeded, the code it also gives for the
# manual snapshot quota; the message here is modelled on the one RDS gives for
# cross-Region copies ("Cannot copy more than 5 snapshots across regions"),
# since AWS documents none for this case.
COPIES_IN_FLIGHT = {"instance": 20, "cluster": 5}
IN_FLIGHT_MESSAGE = "Cannot copy more than {limit} {what} at a time: {limit} copy requests are in progress in this Region"


def copies_in_flight_limit() -> None:
    """RDS refuses a copy while 20 DB snapshot copies (5 DB cluster snapshot
    copies) of the account are in progress in the Region. moto copies
    without limit. Copies are in progress only with the creating-phase patch
    and FAILSAFE_EMULATOR_COPY_PENDING_DESCRIBES above 0; a snapshot taken
    with CreateDBSnapshot that is still `creating`
    (taken-snapshot-creating-phase) is not a copy and does not count."""
    copy = rds_models.RDSBackend.copy_db_snapshot
    copy_cluster = rds_models.RDSBackend.copy_db_cluster_snapshot

    def refuse_when_full(snapshots, kind, what) -> None:  # type: ignore[no-untyped-def]
        limit = COPIES_IN_FLIGHT[kind]
        if sum(1 for s in _values(snapshots) if s.status == "creating" and not getattr(s, "failsafe_taken", False)) >= limit:
            raise RDSClientError("SnapshotQuotaExceeded", IN_FLIGHT_MESSAGE.format(limit=limit, what=what))

    def copy_db_snapshot(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _SNAPSHOTS_LOCK:
            refuse_when_full(self.database_snapshots, "instance", "DB snapshots")
            return copy(self, *args, **kwargs)

    def copy_db_cluster_snapshot(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        with _SNAPSHOTS_LOCK:
            refuse_when_full(self.cluster_snapshots, "cluster", "DB cluster snapshots")
            return copy_cluster(self, *args, **kwargs)

    rds_models.RDSBackend.copy_db_snapshot = copy_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.copy_db_cluster_snapshot = copy_db_cluster_snapshot  # type: ignore[method-assign]


AUTOMATED_AT_TAG = "failsafe-emulator:automated-at"


def automated_snapshots_on_demand() -> None:
    """RDS takes an automated snapshot every day; moto takes one only when the
    instance is created, at the current time. A test asks for one by calling
    CreateDBSnapshot with the tag `failsafe-emulator:automated-at=<ISO time>`:
    the snapshot is then automated, named `rds:<instance>-<yyyy-mm-dd-hh-mm>`
    and taken at that time. The same tag on CreateDBInstance dates the
    instance's first automated snapshot (and is not kept on the instance).
    This is how the drill simulates days without the wall clock."""
    original = rds_models.RDSBackend.create_db_snapshot
    first_backup = rds_models.DBInstance.save_automated_backup

    def save_automated_backup(self):  # type: ignore[no-untyped-def]
        at = next((t.get("Value") for t in self.tags or [] if t.get("Key") == AUTOMATED_AT_TAG), None)
        if at is None:
            return first_backup(self)
        self.tags = [t for t in self.tags if t.get("Key") != AUTOMATED_AT_TAG]
        self.backend.create_db_snapshot(self.db_instance_identifier, "first-backup", tags=[{"Key": AUTOMATED_AT_TAG, "Value": at}])

    def create(self, db_instance_identifier, db_snapshot_identifier, snapshot_type="manual", tags=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        at = next((t.get("Value") for t in tags or [] if t.get("Key") == AUTOMATED_AT_TAG), None)
        if at is None:
            return original(self, db_instance_identifier, db_snapshot_identifier, snapshot_type, tags, *args, **kwargs)
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        name = f"rds:{db_instance_identifier}-{when:%Y-%m-%d-%H-%M}"
        rest = [t for t in tags if t.get("Key") != AUTOMATED_AT_TAG] or None
        snapshot = original(self, db_instance_identifier, name, "automated", rest, when)
        snapshot.created = when
        return snapshot

    rds_models.RDSBackend.create_db_snapshot = create  # type: ignore[method-assign]
    rds_models.DBInstance.save_automated_backup = save_automated_backup  # type: ignore[method-assign]

    # DB clusters: the same tag on CreateDBClusterSnapshot, named
    # `rds:<cluster>-<yyyy-mm-dd-hh-mm>`; on CreateDBCluster it dates the first one.
    original_cluster = rds_models.RDSBackend.create_db_cluster_snapshot
    first_cluster_backup = rds_models.DBCluster.save_automated_backup

    def save_cluster_backup(self):  # type: ignore[no-untyped-def]
        at = next((t.get("Value") for t in self.tags or [] if t.get("Key") == AUTOMATED_AT_TAG), None)
        if at is None:
            return first_cluster_backup(self)
        self.tags = [t for t in self.tags if t.get("Key") != AUTOMATED_AT_TAG]
        self.backend.create_db_cluster_snapshot(self.db_cluster_identifier, "first-backup", tags=[{"Key": AUTOMATED_AT_TAG, "Value": at}])

    def create_cluster(self, db_cluster_identifier, db_cluster_snapshot_identifier, snapshot_type="manual", tags=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        at = next((t.get("Value") for t in tags or [] if t.get("Key") == AUTOMATED_AT_TAG), None)
        if at is None:
            return original_cluster(self, db_cluster_identifier, db_cluster_snapshot_identifier, snapshot_type, tags, *args, **kwargs)
        when = datetime.fromisoformat(at.replace("Z", "+00:00"))
        name = f"rds:{db_cluster_identifier}-{when:%Y-%m-%d-%H-%M}"
        rest = [t for t in tags if t.get("Key") != AUTOMATED_AT_TAG] or None
        snapshot = original_cluster(self, db_cluster_identifier, name, "automated", rest)
        snapshot.created = when
        return snapshot

    rds_models.RDSBackend.create_db_cluster_snapshot = create_cluster  # type: ignore[method-assign]
    rds_models.DBCluster.save_automated_backup = save_cluster_backup  # type: ignore[method-assign]


# The RDS User Guide, "Creating a DB snapshot": "Your DB instance must be in the
# available state to take a DB snapshot"; the RDS API Reference,
# CreateDBSnapshot: "The source DB instance must be in the available or
# storage-optimization state" (InvalidDBInstanceState). The Aurora User Guide,
# "Creating a DB cluster snapshot": "Your DB cluster must be in the available
# state" (CreateDBClusterSnapshot: InvalidDBClusterStateFault). RDS event
# RDS-EVENT-0023: "A manual backup has been requested but Amazon RDS is
# currently in the process of creating a DB snapshot": one snapshot of a
# database at a time. A DB instance of an Aurora cluster has no snapshot of
# its own: RDS refuses it with InvalidParameterValue and the message below
# (a code the API Reference does not list for CreateDBSnapshot).
SNAPSHOT_INSTANCE_STATE_MESSAGE = "Cannot create a snapshot because the database instance {} is not currently in the available state."
SNAPSHOT_CLUSTER_STATE_MESSAGE = "Cannot create a snapshot because the DB cluster {} is not currently in the available state."
SNAPSHOT_CLUSTER_MEMBER_MESSAGE = (
    "The specified instance is a member of a cluster and a snapshot cannot be created directly. "
    "Please use the CreateDBClusterSnapshot API instead."
)
SNAPSHOT_INSTANCE_STATES = ("available", "storage-optimization")


def taken_snapshot_creating_phase() -> None:
    """RDS takes a snapshot in minutes: a snapshot taken with CreateDBSnapshot
    or CreateDBClusterSnapshot is `creating` before it is `available`, RDS
    takes one snapshot of a database at a time, and only of a DB instance
    that is available (or storage-optimization) or a DB cluster that is
    available; a DB instance of an Aurora cluster is snapshotted through its
    cluster. moto makes a snapshot available at once, of any database in any
    state, as often as asked. With FAILSAFE_EMULATOR_SNAPSHOT_PENDING_DESCRIBES=N
    each snapshot taken reads `creating` in the next N describe calls that
    return it, and a second snapshot of the same database is refused until
    then (InvalidDBInstanceState / InvalidDBClusterStateFault); a database that
    is not available is refused so too, whatever N. The counting, and the
    refusal to copy or share a snapshot that is `creating`, are the
    creating-phase patch's (this patch counts only if that one is off).

    Only the CreateDBSnapshot and CreateDBClusterSnapshot calls are patched,
    where moto answers the caller: moto takes automated snapshots, a final
    snapshot on DeleteDBInstance / DeleteDBCluster and StopDBInstance's
    snapshot through the same backend methods, and those stay as they were.
    So do the calls tagged `failsafe-emulator:automated-at`
    (automated-snapshots-on-demand). The backend methods those calls reach,
    wrapped by the quota and automated-snapshot patches, are called as before.
    While its snapshot is being taken RDS reports a DB instance `backing-up`;
    the instance here stays `available`."""
    from moto.rds.responses import RDSResponse

    pending = int(os.environ.get("FAILSAFE_EMULATOR_SNAPSHOT_PENDING_DESCRIBES", "0"))
    create = RDSResponse.create_db_snapshot
    create_cluster = RDSResponse.create_db_cluster_snapshot

    def automated_on_demand(params) -> bool:  # type: ignore[no-untyped-def]
        return any(t.get("Key") == AUTOMATED_AT_TAG for t in params.get("tags") or [])

    def one_creating(snapshots, field, identifier) -> bool:  # type: ignore[no-untyped-def]
        return any(getattr(s, "failsafe_taken", False) and s.status == "creating" and getattr(s, field) == identifier for s in _values(snapshots))

    def taken(out, key):  # type: ignore[no-untyped-def]
        snapshot = out.result[key]
        snapshot.failsafe_taken = True
        _start_creating(snapshot, pending)
        return out

    def create_db_snapshot(self):  # type: ignore[no-untyped-def]
        params = self.params
        identifier = params.get("db_instance_identifier")
        database = self.backend.databases.get(identifier)
        if database is None or automated_on_demand(params):
            return create(self)
        if database.db_cluster_identifier is not None:
            raise InvalidParameterValue(SNAPSHOT_CLUSTER_MEMBER_MESSAGE)
        with _SNAPSHOTS_LOCK:
            if database.status not in SNAPSHOT_INSTANCE_STATES or one_creating(self.backend.database_snapshots, "db_instance_identifier", identifier):
                raise RDSClientError("InvalidDBInstanceState", SNAPSHOT_INSTANCE_STATE_MESSAGE.format(identifier))
            return taken(create(self), "DBSnapshot")

    def create_db_cluster_snapshot(self):  # type: ignore[no-untyped-def]
        params = self.params
        identifier = params.get("db_cluster_identifier")
        cluster = self.backend.clusters.get(identifier)
        if cluster is None or automated_on_demand(params):
            return create_cluster(self)
        with _SNAPSHOTS_LOCK:
            # DBCluster.status turns `creating` into `available` when read: the stored value is read instead.
            if cluster._status != "available" or one_creating(self.backend.cluster_snapshots, "db_cluster_identifier", identifier):
                raise InvalidDBClusterStateFault(SNAPSHOT_CLUSTER_STATE_MESSAGE.format(identifier))
            return taken(create_cluster(self), "DBClusterSnapshot")

    RDSResponse.create_db_snapshot = create_db_snapshot  # type: ignore[method-assign]
    RDSResponse.create_db_cluster_snapshot = create_db_cluster_snapshot  # type: ignore[method-assign]
    if _off("creating-phase"):
        _count_snapshot_describes()


def _count_snapshot_describes() -> None:
    """The creating-phase patch's describe counting, for taken-snapshot-creating-phase when that patch is off."""
    describe = rds_models.RDSBackend.describe_db_snapshots
    describe_cluster = rds_models.RDSBackend.describe_db_cluster_snapshots

    def describe_db_snapshots(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return _advance(describe(self, *args, **kwargs))

    def describe_db_cluster_snapshots(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return _advance(describe_cluster(self, *args, **kwargs))

    rds_models.RDSBackend.describe_db_snapshots = describe_db_snapshots  # type: ignore[method-assign]
    rds_models.RDSBackend.describe_db_cluster_snapshots = describe_db_cluster_snapshots  # type: ignore[method-assign]


# The RDS API Reference, DBSnapshot: DbiResourceId is "The identifier for the
# source DB instance, which can't be changed and which is unique to an Amazon
# Web Services Region"; DBClusterSnapshot: DbClusterResourceId is "The
# resource ID of the DB cluster that this DB cluster snapshot was created
# from"; DBSnapshot: OriginalSnapshotCreateTime "Doesn't change when the
# snapshot is copied" (SnapshotCreateTime "Changes for the copy").
RESOURCE_ID_ALPHABET = string.ascii_uppercase + string.digits


def unique_resource_ids() -> None:
    """RDS gives every DB instance its own immutable resource id,
    `db-` + 26 uppercase letters and digits, and every DB cluster its own
    `cluster-` + 26. A snapshot carries the id of the instance or cluster it
    was taken from, a copy (across accounts too) keeps it, it outlives the
    instance, and a new instance under an old name gets a new one. moto gives
    every DB instance the same constant id (db-M5ENSHXFPU6XHZ4G4ZEI5QIO2U,
    recreated or not), so its snapshots cannot be told apart by it; its
    clusters do get their own id, but DescribeDBClusterSnapshots returns no
    DbClusterResourceId at all.

    The instance's id is drawn when the instance is made (DBInstance.__init__:
    CreateDBInstance, a cluster member, a restore or a read replica), from
    moto's own random source, the one it draws cluster ids from. A DB
    snapshot already copies `dbi_resource_id` from its instance and a copy
    takes the source snapshot's copy of the instance, so the id survives into
    every snapshot and copy. A cluster snapshot likewise keeps its own copy
    of the cluster, taken when the snapshot was (a copy takes the source's):
    it is given that cluster's id, so it keeps it after the cluster is
    deleted or replaced. Nothing is shared between requests beyond moto's
    random source, so no lock is needed.

    moto already returns OriginalSnapshotCreateTime on DB snapshots and
    keeps it on copies (a copy's SnapshotCreateTime is the time of the copy),
    so the patch leaves the times alone."""
    instance_init = rds_models.DBInstance.__init__
    cluster_snapshot_init = rds_models.DBClusterSnapshot.__init__

    def init_instance(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        instance_init(self, *args, **kwargs)
        self.dbi_resource_id = "db-" + "".join(moto_random.choice(RESOURCE_ID_ALPHABET) for _ in range(26))

    def init_cluster_snapshot(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        cluster_snapshot_init(self, *args, **kwargs)
        self.db_cluster_resource_id = self.cluster.db_cluster_resource_id

    rds_models.DBInstance.__init__ = init_instance  # type: ignore[method-assign]
    rds_models.DBClusterSnapshot.__init__ = init_cluster_snapshot  # type: ignore[method-assign]


def shared_snapshot_by_identifier() -> None:
    """RDS API Reference, DescribeDBSnapshots and DescribeDBClusterSnapshots: with
    `SnapshotType=shared`, `DBSnapshotIdentifier` (`DBClusterSnapshotIdentifier`)
    names the one shared snapshot to describe, by its ARN. moto returns every
    shared snapshot whatever the identifier, so a handler that took the first
    answer for the one it asked about would pass."""
    describe = rds_models.RDSBackend.describe_db_snapshots
    describe_cluster = rds_models.RDSBackend.describe_db_cluster_snapshots

    def only(snapshots, identifier, arn_of):  # type: ignore[no-untyped-def]
        return [s for s in snapshots if arn_of(s) == identifier or arn_of(s).split(":")[-1] == identifier]

    def describe_db_snapshots(self, db_instance_identifier, db_snapshot_identifier=None, snapshot_type=None, filters=None):  # type: ignore[no-untyped-def]
        found = describe(self, db_instance_identifier, db_snapshot_identifier, snapshot_type, filters)
        if snapshot_type == "shared" and db_snapshot_identifier:
            return only(found, db_snapshot_identifier, lambda s: s.db_snapshot_arn)
        return found

    def describe_db_cluster_snapshots(self, db_cluster_identifier, db_snapshot_identifier, snapshot_type=None, filters=None):  # type: ignore[no-untyped-def]
        found = describe_cluster(self, db_cluster_identifier, db_snapshot_identifier, snapshot_type, filters)
        if snapshot_type == "shared" and db_snapshot_identifier:
            return only(found, db_snapshot_identifier, lambda s: s.db_cluster_snapshot_arn)
        return found

    rds_models.RDSBackend.describe_db_snapshots = describe_db_snapshots  # type: ignore[method-assign]
    rds_models.RDSBackend.describe_db_cluster_snapshots = describe_db_cluster_snapshots  # type: ignore[method-assign]


# The RDS API Reference, CopyDBSnapshot, KmsKeyId: "If you copy an encrypted
# snapshot to a different Amazon Web Services Region, then you must specify an
# Amazon Web Services KMS key identifier for the destination Amazon Web Services
# Region" (CopyDBClusterSnapshot: the same). RDS answers InvalidParameterValue,
# "Must specify new KMS key for cross region encrypted snapshot copy." DBSnapshot,
# SourceRegion: "The Amazon Web Services Region that the DB snapshot was created
# in or copied from"; SourceDBSnapshotIdentifier; DBClusterSnapshot,
# SourceDBClusterSnapshotArn. moto already finds an ARN's snapshot in the ARN's
# Region (RDSBackend.get_snapshot), refuses a KMS key ARN of another Region
# (KMSKeyNotAccessibleFault, RDSBackend._validate_kms_key) and stores the copy in
# the Region called: the patch adds only what it lacks.
CROSS_REGION_KEY_MESSAGE = "Must specify new KMS key for cross region encrypted snapshot copy."


def cross_region_copy_rules() -> None:
    """RDS refuses to copy an encrypted snapshot into another Region without a
    KmsKeyId of that Region, and records where a copy came from. moto copies it
    under the source Region's key, which no restore in the destination could
    use, and leaves SourceRegion out."""
    copy = rds_models.RDSBackend.copy_db_snapshot
    copy_cluster = rds_models.RDSBackend.copy_db_cluster_snapshot

    def other_region(self, identifier):  # type: ignore[no-untyped-def]
        if identifier.startswith("arn:"):
            region = split_arn(identifier)[0]
            if region != self.region_name:
                return region
        return None

    def copy_db_snapshot(self, source_db_snapshot_identifier, target_db_snapshot_identifier, kms_key_id=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        region = other_region(self, source_db_snapshot_identifier)
        if region and not kms_key_id and self.get_db_snapshot(source_db_snapshot_identifier).encrypted:
            raise RDSClientError("InvalidParameterValue", CROSS_REGION_KEY_MESSAGE)
        out = copy(self, source_db_snapshot_identifier, target_db_snapshot_identifier, kms_key_id, *args, **kwargs)
        if region:
            out.source_region = region
            out.source_db_snapshot_identifier = source_db_snapshot_identifier
        return out

    def copy_db_cluster_snapshot(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, kms_key_id=None, *args, **kwargs):  # type: ignore[no-untyped-def]
        region = other_region(self, source_db_cluster_snapshot_identifier)
        if region and not kms_key_id and self.get_db_cluster_snapshot(source_db_cluster_snapshot_identifier).encrypted:
            raise RDSClientError("InvalidParameterValue", CROSS_REGION_KEY_MESSAGE)
        out = copy_cluster(self, source_db_cluster_snapshot_identifier, target_db_cluster_snapshot_identifier, kms_key_id, *args, **kwargs)
        if region:
            out.source_db_cluster_snapshot_arn = source_db_cluster_snapshot_identifier
        return out

    rds_models.RDSBackend.copy_db_snapshot = copy_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.copy_db_cluster_snapshot = copy_db_cluster_snapshot  # type: ignore[method-assign]
    if os.environ.get("FAILSAFE_EMULATOR_SHARED_COPY_SOURCE") == "hidden":
        _hide_copy_source_from_shared()


# Where a copy came from, for the accounts it is shared with. Whether RDS
# reports SourceRegion, SourceDBSnapshotIdentifier and SourceDBClusterSnapshotArn
# when another account describes a shared snapshot is not documented either
# way: with FAILSAFE_EMULATOR_SHARED_COPY_SOURCE=hidden the emulator reports
# them to the owner only, so that the tests can run the vault both ways.
SOURCE_FIELDS = ("source_region", "source_db_snapshot_identifier", "source_db_cluster_snapshot_arn")


def _hide_copy_source_from_shared() -> None:
    describe = rds_models.RDSBackend.describe_db_snapshots
    describe_cluster = rds_models.RDSBackend.describe_db_cluster_snapshots

    def without_source(snapshot):  # type: ignore[no-untyped-def]
        hidden = shallow_copy(snapshot)
        for field in SOURCE_FIELDS:
            if hasattr(hidden, field):
                setattr(hidden, field, None)
        return hidden

    def describe_db_snapshots(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = describe(self, *args, **kwargs)
        return [without_source(s) for s in found] if _shared(args, kwargs) else found

    def describe_db_cluster_snapshots(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        found = describe_cluster(self, *args, **kwargs)
        return [without_source(s) for s in found] if _shared(args, kwargs) else found

    rds_models.RDSBackend.describe_db_snapshots = describe_db_snapshots  # type: ignore[method-assign]
    rds_models.RDSBackend.describe_db_cluster_snapshots = describe_db_cluster_snapshots  # type: ignore[method-assign]


def _shared(args, kwargs) -> bool:  # type: ignore[no-untyped-def]
    """Whether a describe call asks for the snapshots shared with the account (its third argument, snapshot_type)."""
    return kwargs.get("snapshot_type", args[2] if len(args) > 2 else None) == "shared"


# moto's placeholders for the AWS managed key aws/rds: not KMS keys, never checked.
DEFAULT_KEYS = ("default_kms_key_id", "alias/aws/rds")


def restore_creating_phase() -> None:
    """RDS restores take minutes: the new DB instance or cluster is `creating`
    (in the Restore answer and in DescribeDBInstances / DescribeDBClusters)
    before it is `available`, a snapshot that is not available cannot be
    restored (InvalidDBSnapshotState / InvalidDBClusterSnapshotStateFault), and
    an instance that is not available cannot be modified (InvalidDBInstanceState).
    moto makes a restored instance available at once (a cluster reads
    `creating` exactly once, in the Restore answer). With
    FAILSAFE_EMULATOR_RESTORE_PENDING_DESCRIBES=N each restored instance or
    cluster reads `creating` in the next N describe calls that return it."""
    from moto.rds.responses import RDSResponse

    pending = int(os.environ.get("FAILSAFE_EMULATOR_RESTORE_PENDING_DESCRIBES", "0"))
    restore = rds_models.RDSBackend.restore_db_instance_from_db_snapshot
    restore_cluster = rds_models.RDSBackend.restore_db_cluster_from_snapshot
    modify = rds_models.RDSBackend.modify_db_instance
    describe = RDSResponse.describe_db_instances
    describe_clusters = RDSResponse.describe_db_clusters

    def require_available(snapshot, name, code):  # type: ignore[no-untyped-def]
        if snapshot.status != "available":
            raise RDSClientError(code, f"Cannot restore from snapshot {name}: it is {snapshot.status}, not available.")

    def restore_db_instance_from_db_snapshot(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        # Checked before moto's own lookup, which goes through describe_db_snapshots
        # (and would advance a copy's creating-phase count); once the snapshot is
        # available that lookup changes nothing.
        require_available(self.get_db_snapshot(from_snapshot_id), from_snapshot_id, "InvalidDBSnapshotState")
        return _start_creating(restore(self, from_snapshot_id, overrides), pending)

    def restore_db_cluster_from_snapshot(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        require_available(self.get_db_cluster_snapshot(from_snapshot_id), from_snapshot_id, "InvalidDBClusterSnapshotStateFault")
        return _start_creating(restore_cluster(self, from_snapshot_id, overrides), pending)

    def modify_db_instance(self, db_instance_identifier, db_kwargs):  # type: ignore[no-untyped-def]
        database = self.databases.get(db_instance_identifier)
        if database is not None and database.status != "available":
            raise RDSClientError("InvalidDBInstanceState", "Database instance is not in available state.")
        return modify(self, db_instance_identifier, db_kwargs)

    # Counted in the response layer, not in RDSBackend.describe_db_instances:
    # moto calls that internally (modify, reboot, stop, start, ...), which would
    # use up the count without a caller seeing it.
    def describe_db_instances(self):  # type: ignore[no-untyped-def]
        out = describe(self)
        _advance(out.result["DBInstances"])
        return out

    def describe_db_clusters(self):  # type: ignore[no-untyped-def]
        out = describe_clusters(self)
        _advance(out.result["DBClusters"])
        return out

    rds_models.RDSBackend.restore_db_instance_from_db_snapshot = restore_db_instance_from_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.restore_db_cluster_from_snapshot = restore_db_cluster_from_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.modify_db_instance = modify_db_instance  # type: ignore[method-assign]
    RDSResponse.describe_db_instances = describe_db_instances  # type: ignore[method-assign]
    RDSResponse.describe_db_clusters = describe_db_clusters  # type: ignore[method-assign]


def restore_disabled_keys_refused() -> None:
    """RDS refuses to restore an encrypted snapshot whose KMS key is not enabled
    (RestoreDBInstanceFromDBSnapshot / RestoreDBClusterFromSnapshot:
    KMSKeyNotAccessibleFault), and a RestoreDBClusterFromSnapshot KmsKeyId
    that does not exist or is not enabled. moto never looks at the key on a
    restore. The check is the project's `_validate_kms_key` (with
    disabled-keys-refused applied it refuses keys that are not Enabled);
    moto's placeholder for the default key is not a KMS key and is skipped."""
    restore = rds_models.RDSBackend.restore_db_instance_from_db_snapshot
    restore_cluster = rds_models.RDSBackend.restore_db_cluster_from_snapshot

    def key_usable(self, snapshot):  # type: ignore[no-untyped-def]
        if snapshot.encrypted and snapshot.kms_key_id not in DEFAULT_KEYS:
            self._validate_kms_key(snapshot.kms_key_id)

    def restore_db_instance_from_db_snapshot(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        key_usable(self, self.get_db_snapshot(from_snapshot_id))
        return restore(self, from_snapshot_id, overrides)

    def restore_db_cluster_from_snapshot(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        if overrides.get("kms_key_id"):
            overrides["kms_key_id"] = self._validate_kms_key(overrides["kms_key_id"])
        else:
            key_usable(self, self.get_db_cluster_snapshot(from_snapshot_id))
        return restore_cluster(self, from_snapshot_id, overrides)

    rds_models.RDSBackend.restore_db_instance_from_db_snapshot = restore_db_instance_from_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.restore_db_cluster_from_snapshot = restore_db_cluster_from_snapshot  # type: ignore[method-assign]


#: Restore parameters that RDS takes as given when they are false or 0, and moto drops (it copies only truthy overrides).
FALSE_RESTORE_PARAMETERS = (
    "deletion_protection", "publicly_accessible", "multi_az", "copy_tags_to_snapshot", "auto_minor_version_upgrade", "backup_retention_period",
)


def restore_false_parameters() -> None:
    """RDS takes an explicit false, or 0, as given on a restore:
    `DeletionProtection: false` restores without deletion protection (the
    API's default too: "By default, deletion protection isn't enabled"),
    `PubliclyAccessible: false` makes an internal instance, and
    `BackupRetentionPeriod: 0` turns automated backups off. moto copies
    only truthy parameters over the source database's settings, so the
    restore of a protected, public, Multi-AZ database's snapshot stays
    protected, public and Multi-AZ, and cannot be deleted."""
    restore = rds_models.RDSBackend.restore_db_instance_from_db_snapshot
    restore_cluster = rds_models.RDSBackend.restore_db_cluster_from_snapshot

    def as_given(resource, overrides):  # type: ignore[no-untyped-def]
        for key in FALSE_RESTORE_PARAMETERS:
            value = overrides.get(key)
            if value is not None and not value and hasattr(resource, key):
                setattr(resource, key, value)
        return resource

    def restore_db_instance_from_db_snapshot(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        return as_given(restore(self, from_snapshot_id, overrides), overrides)

    def restore_db_cluster_from_snapshot(self, from_snapshot_id, overrides):  # type: ignore[no-untyped-def]
        return as_given(restore_cluster(self, from_snapshot_id, overrides), overrides)

    rds_models.RDSBackend.restore_db_instance_from_db_snapshot = restore_db_instance_from_db_snapshot  # type: ignore[method-assign]
    rds_models.RDSBackend.restore_db_cluster_from_snapshot = restore_db_cluster_from_snapshot  # type: ignore[method-assign]


PATCHES = {
    "cross-account-snapshot-by-arn": cross_account_snapshot_by_arn,
    "creating-phase": creating_phase,
    "disabled-keys-refused": disabled_keys_refused,
    "default-key-share-refused": default_key_share_refused,
    "cluster-copy-encryption-rules": cluster_copy_encryption_rules,
    "cluster-snapshot-name-limit": cluster_snapshot_name_limit,
    "account-quotas": account_quotas,
    "copies-in-flight-limit": copies_in_flight_limit,
    "automated-snapshots-on-demand": automated_snapshots_on_demand,
    "taken-snapshot-creating-phase": taken_snapshot_creating_phase,
    "unique-resource-ids": unique_resource_ids,
    "shared-snapshot-by-identifier": shared_snapshot_by_identifier,
    "cross-region-copy-rules": cross_region_copy_rules,
    "restore-creating-phase": restore_creating_phase,
    "restore-disabled-keys-refused": restore_disabled_keys_refused,
    "restore-false-parameters": restore_false_parameters,
}


def apply_all() -> list[str]:
    for name, patch in PATCHES.items():
        if not _off(name):
            patch()
            APPLIED.append(name)
    return APPLIED
