"""Entry point of ``python -m custom_components.ashp_cop.engine``."""

import sys

from .cli import main

sys.exit(main())
