"""welfare-calc: dibao and tekun entitlements and back-pay, exact to the fen.

The folders are the layers, and imports point inward only
(``tests/test_architecture.py`` holds them to it):

- ``core/``: the pure calculation core, which owns every household rule: values
  (months, money, numerals, errors), the standards table as plain values, the
  rules (``calc``), ids (``identity``) and the integer engine (``engine``). No
  I/O, no click, no YAML, no pydantic; nothing under it imports from outside it;
- ``standards/``: the standards file: its schema (pydantic), the strict YAML
  reader, the cache of validated tables, and the loader that chooses the file;
- ``output/``: text, tables, JSON and CSV, explanations, reports, help texts,
  the console's encoding and the process's streams;
- ``batch/``: rosters in and results out, fast and safely, calling the core;
- ``cli/``: the click commands, one module per command.
"""

__version__ = "0.1.0"
