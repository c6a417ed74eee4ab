"""Entry point of ``python -m custom_components.ashp_cop.engine``."""

import sys

from .allocator import tune_for_large_arrays
from .cli import main

tune_for_large_arrays()  # a process of its own: the series' chunks stay on the heap (allocator.py)
sys.exit(main())
