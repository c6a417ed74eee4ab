"""ashp_cop's calculation engine: physics, COP, defrost, SPF and EN 14825.

Pure Python and numpy, no Home Assistant import, so auditors can run it on
archived data and get the same figures bit for bit.
"""
