"""Region outages, for the drill of a vault in another Region: not a fidelity
patch, a fault the tests inject.

With FAILSAFE_EMULATOR_OUTAGE_FILE=<file>, every request to a Region named in
that file (one per line) is refused with 503 ServiceUnavailable, whatever the
service, as an endpoint that is down answers. The file is read on every
request, so a test starts and ends an outage by writing it
(`emulator.setRegionOutage()`); without the variable nothing changes.
"""
import os

from moto.core.responses import BaseResponse

BODY = (
    "<ErrorResponse><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code>"
    "<Message>the Region {region} is down (emulated outage)</Message></Error>"
    "<RequestId>outage</RequestId></ErrorResponse>"
)


def install() -> bool:
    path = os.environ.get("FAILSAFE_EMULATOR_OUTAGE_FILE")
    if not path:
        return False

    def regions_down() -> frozenset:
        try:
            with open(path, encoding="utf-8") as f:
                return frozenset(line.strip() for line in f if line.strip())
        except FileNotFoundError:
            return frozenset()

    original = BaseResponse.call_action

    def call_action(self):  # type: ignore[no-untyped-def]
        if self.region in regions_down():
            return 503, {"Content-Type": "text/xml"}, BODY.format(region=self.region)
        return original(self)

    BaseResponse.call_action = call_action  # type: ignore[method-assign]
    return True
