"""Talking to Modbus devices: register maps, read planning, decoding, hubs.

No Home Assistant import here: the integration, the simulator's tests and the
command line all use this layer the same way.
"""
