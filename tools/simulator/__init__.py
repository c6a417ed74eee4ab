"""A heat-pump plant room served over Modbus, for tests and the demo (not shipped)."""
