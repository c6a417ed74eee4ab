"""Auditors' tools: fleet analysis on Dask and the HTML audit report.

Imported only by the command line (engine/cli.py, lazily, inside the
commands that need it), never by the Home Assistant integration: these
modules need requirements_fleet.txt (dask[distributed], pyarrow,
matplotlib), which Home Assistant does not install. They live in the engine
package so that ``python -m custom_components.ashp_cop.engine fleet`` reaches
them from a checkout and from an installed integration alike; tools/ is not
shipped. tests/test_repository.py checks nothing else imports them.
"""
