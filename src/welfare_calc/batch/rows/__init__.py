"""What a roster's records say: the header, each row to a household, ids, groups.

- :mod:`~welfare_calc.batch.rows.parsing`: the header's columns, and each row to a
  household (its quick reading, else the careful one) or its problems;
- :mod:`~welfare_calc.batch.rows.ids`: ids taken as written, and rows that pay one id twice;
- :mod:`~welfare_calc.batch.rows.groups`: a row's locality and the totals by it
  (``--group-by``);
- :mod:`~welfare_calc.batch.rows.lane`: a chunk of the usual layout, column-wise in NumPy.

Pure: cells in, values or reasons out; no file is opened here, and nothing else of
the batch is imported.
"""
