"""Batch back-pay: a roster of households in, their back-pay out, nothing lost.

The core (:mod:`welfare_calc.core`) owns every household rule and its arithmetic
(:mod:`welfare_calc.core.engine`, in integers); this package
reads rosters, puts each row to those rules quickly, and writes the results
safely. Its modules, in the order a run uses them:

- :mod:`~welfare_calc.batch.files`: which files a run writes, checked before it starts;
- :mod:`~welfare_calc.batch.targets`: where a run may write (no collisions, locks);
- :mod:`~welfare_calc.batch.encodings`: the text encodings it reads and writes;
- :mod:`~welfare_calc.batch.reading`: the input cut into whole records (the CSV rule);
- :mod:`~welfare_calc.batch.workbook_cells`: a workbook opened, its sheet chosen, its
  cells as Excel shows them (percentages, errors, formulas never calculated), bounded;
- :mod:`~welfare_calc.batch.sheet_reading`: a workbook's sheet told as those records;
- :mod:`~welfare_calc.batch.rows`: the header's columns, and each row to a household;
- :mod:`~welfare_calc.batch.ids`: ids taken as written, and rows that pay one id twice;
- :mod:`~welfare_calc.batch.lane`: a chunk of the usual layout, column-wise in NumPy;
- :mod:`~welfare_calc.batch.chunks`: one chunk in, its output and bookkeeping out;
- :mod:`~welfare_calc.batch.groups`: totals by locality (``--group-by``);
- :mod:`~welfare_calc.batch.shared_slots`: chunks and results passed to forked workers
  in shared memory rather than through pipes;
- :mod:`~welfare_calc.batch.run`: the run: workers, order, doubled ids, reconciliation;
- :mod:`~welfare_calc.batch.documents`: what an office files: titles, the 资金汇总
  table, sign-off lines, the run stamp, masked names;
- :mod:`~welfare_calc.batch.workbook_writing`: the results as an Excel workbook, laid
  out to print and sign;
- :mod:`~welfare_calc.batch.publicity`: the 公示 list, without personal data;
- :mod:`~welfare_calc.batch.staging`: files that appear whole, and together, or not at all.

Nothing is imported here, so that ``welfare-calc backpay`` does not pay for it.
"""
