"""The simulated clock of RDS, for the drill's recovery points every few
simulated hours: not a fidelity patch, a control the tests use, like the
Region outages (outages.py).

moto's RDS models read the time from `utcnow`, which moto/rds/models.py
imports from moto.core.utils: when a DB instance, a snapshot or a copy is
made (RDSBaseModel.created, which SnapshotCreateTime reads), and for the
times it derives from that. This replaces that name, in moto.rds.models only,
with a clock that is shifted by the offset in FAILSAFE_EMULATOR_CLOCK_FILE
(milliseconds, one number), so that what RDS makes while a test has set the
clock (`emulator.setClock(date)`) is stamped at the simulated time, and the
time still advances. The file is read on every call; without it, or while it
is empty (`emulator.setClock(undefined)`), the clock is the real one. Every
other service, and moto's HTTP answers, keep the real time. Times given
explicitly stay as given: the automated snapshots of
automated-snapshots-on-demand, and a copy's OriginalSnapshotCreateTime.
"""
import datetime
import os

from moto.core import utils as core_utils
from moto.rds import models as rds_models


def install() -> bool:
    path = os.environ.get("FAILSAFE_EMULATOR_CLOCK_FILE")
    if not path:
        return False
    real = core_utils.utcnow

    def offset_ms() -> float:
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read().strip()
        except FileNotFoundError:
            return 0.0
        return float(text) if text else 0.0

    def utcnow() -> datetime.datetime:
        # Naive, in UTC, as moto's own.
        return real() + datetime.timedelta(milliseconds=offset_ms())

    rds_models.utcnow = utcnow  # type: ignore[attr-defined]
    return True
