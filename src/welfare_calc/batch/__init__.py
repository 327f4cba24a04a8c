"""Batch back-pay: a roster of households in, their back-pay out, nothing lost.

The core (:mod:`welfare_calc.core`) owns every household rule and its arithmetic
(:mod:`welfare_calc.core.engine`, in integers); this package reads rosters, puts each
row to those rules quickly, and writes the results safely. Its four parts, each
importing only the parts above it in this list (``tests/test_architecture.py``):

- :mod:`welfare_calc.batch.rows`: what a roster's cells say, pure: the header, each row
  to a household (the quick parse, the careful one), ids, the column-wise lane, groups;
- :mod:`welfare_calc.batch.input`: the roster's bytes read into those cells: encodings,
  CSV records, a workbook's cells and sheets (its header found by the header's names);
- :mod:`welfare_calc.batch.write`: what a run leaves: the file policy, targets and
  staging, the documents, the workbook, the 公示 list;
- :mod:`welfare_calc.batch.run`: the run itself: chunks, the workers and their shared
  slots, the doubled-id ledger, the pipeline (:func:`~welfare_calc.batch.run.pipeline.run_batch`)
  and the modules it drives, one concern each.

Nothing is imported here, nor in the parts' own ``__init__``, so that
``welfare-calc backpay`` does not pay for it.
"""
