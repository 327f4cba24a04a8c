"""welfare-calc: dibao and tekun entitlements and back-pay, exact to the fen.

The package is layered so that its imports point inward only:

- ``months``, ``money``, ``errors``, ``numerals``: value types and the domain exceptions;
- ``identity``: household ids in one canonical form (resident ID numbers);
- ``table``: the standards table as plain immutable values (no pydantic);
- ``calc``: the pure calculation core (no I/O, no click, no YAML, no pydantic);
- ``model``, ``standards_yaml``: the pydantic schema and the strict YAML reader,
  used only when a standards file is new or has changed;
- ``table_cache``, ``loader``: validated tables kept between calls, and the
  choice of file, read, validated or found in the cache;
- ``render``, ``explain``: turn results into tables, JSON, CSV and prose;
- ``cli``, ``batch``: the click commands and the streaming batch runner.
"""

__version__ = "0.1.0"
