"""scripts/demo: the simulator and a Home Assistant instance with the integration set up."""
