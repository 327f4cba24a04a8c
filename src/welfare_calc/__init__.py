"""welfare-calc: dibao and tekun entitlements and back-pay, exact to the fen.

The package is layered so that its imports point inward only:

- ``months``, ``money``, ``errors``: value types and the domain exceptions;
- ``model``: the pydantic model of the standards table (no I/O);
- ``calc``: the pure calculation core (no I/O, no click, no YAML);
- ``loader``: reads and validates a standards file (the only YAML user);
- ``render``, ``explain``: turn results into tables, JSON, CSV and prose;
- ``cli``, ``batch``: the click commands and the streaming batch runner.
"""

__version__ = "0.1.0"
