"""Entry point of ``python -m custom_components.ashp_cop.modbus``."""

import sys

from .cli import main

sys.exit(main())
