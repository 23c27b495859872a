"""Starts moto server with the fidelity patches of fidelity.py applied.

Usage: .venv/bin/python test/emulator/server.py -H 127.0.0.1 -p PORT
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from fidelity import apply_all  # noqa: E402
from clock import install as install_clock  # noqa: E402
from outages import install as install_outages  # noqa: E402
from recorder import install as install_recorder  # noqa: E402
from moto.server import main  # noqa: E402

if __name__ == "__main__":
    applied = apply_all()
    print(f"fidelity patches: {', '.join(applied) or 'none'}", flush=True)
    if install_recorder():
        print("recording the handlers' calls", flush=True)
    install_outages()
    install_clock()
    main()
