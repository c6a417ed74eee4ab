"""The demo's simulator takes fault commands (tools/simulator/faults.py) through a named pipe in the config folder.

The simulator reads its commands from standard input when that is a pipe; the demo's child cannot use the
terminal (it runs in a process group of its own, where reading it would stop it), so its standard input is
this FIFO: ``echo 'timeout 11' > .demo/config/simulator_faults`` unplugs the heat meter, and the answers
go to ``simulator.log`` beside it. The FIFO is opened for reading and writing, so neither the simulator
(waiting for a first writer) nor a writer (waiting for a reader) blocks, and the simulator never reads
an end of file between two writers.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

FAULTS_FIFO = "simulator_faults"
SIMULATOR_LOG = "simulator.log"


def fault_pipe(config: Path) -> int:
    """``config``'s fault FIFO (made if missing or if a file has its name), open read-write: a descriptor."""
    path = config / FAULTS_FIFO
    if path.exists() and not stat.S_ISFIFO(path.stat().st_mode):
        path.unlink()
    if not path.exists():
        os.mkfifo(path, 0o600)
    return os.open(path, os.O_RDWR)
