"""Runs every ```python block of the README in a fixture: a CDK stack bound
to `self`, in the Live account for shipper examples and in the Failsafe
account for vault examples. Each block must run and the app must synthesize.
Exits non-zero if any block fails or none is found."""
import re
import sys
import traceback

from aws_cdk import App, Environment, Stack

readme = open(sys.argv[1], encoding="utf-8").read()
blocks = re.findall(r"```python\n(.*?)```", readme, flags=re.S)
if not blocks:
    print("readme python examples: none found")
    sys.exit(1)

failed = 0
for i, code in enumerate(blocks, start=1):
    account = "222222222222" if "RdsSnapshotVault" in code else "111111111111"
    app = App()
    stack = Stack(app, f"Example{i}", env=Environment(account=account, region="eu-west-1"))
    try:
        exec(compile(code, f"README.md python block {i}", "exec"), {"self": stack})
        app.synth()
        print(f"ok   README python block {i}")
    except Exception:
        failed += 1
        print(f"FAIL README python block {i}:\n{traceback.format_exc()}")
print(f"readme python examples: {len(blocks) - failed} passed, {failed} failed")
sys.exit(1 if failed else 0)
