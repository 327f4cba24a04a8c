"""Batch back-pay: a roster of households in, their back-pay out, nothing lost.

The core (:mod:`welfare_calc.core`) owns every household rule and its arithmetic
(:mod:`welfare_calc.core.engine`, in integers); this package reads rosters, puts each
row to those rules quickly, and writes the results safely. Its four parts, in the
order a run uses them, each importing only the parts above it in this list:

- :mod:`welfare_calc.batch.input`: the roster's bytes: encodings, CSV records, a
  workbook's cells and sheets;
- :mod:`welfare_calc.batch.rows`: what the records say: the header, each row to a
  household (the quick parse, the careful one), ids, the column-wise lane, groups;
- :mod:`welfare_calc.batch.write`: what a run leaves: the file policy, targets and
  staging, the documents, the workbook, the 公示 list;
- :mod:`welfare_calc.batch.run`: the run itself: chunks, the workers and their shared
  slots, the doubled-id ledger, the pipeline (:func:`~welfare_calc.batch.run.pipeline.run_batch`)
  and the roster's pipeline from the command line.

Nothing is imported here, nor in the parts' own ``__init__``, so that
``welfare-calc backpay`` does not pay for it.
"""
