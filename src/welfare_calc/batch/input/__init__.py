"""A roster's bytes read: its encoding, its CSV records, a workbook's cells and sheets.

- :mod:`~welfare_calc.batch.input.encodings`: the text encodings it reads and writes;
- :mod:`~welfare_calc.batch.input.reading`: the input cut into whole records (the CSV rule);
- :mod:`~welfare_calc.batch.input.workbook_cells`: a workbook opened, its sheet chosen, its
  cells as Excel shows them (percentages, errors, formulas never calculated), bounded;
- :mod:`~welfare_calc.batch.input.sheet_reading`: a workbook's sheet told as those records.

It knows nothing of households beyond the header's names and the words for a line
(from :mod:`welfare_calc.batch.rows.parsing`, to find the header in a sheet and say
where a record is).
"""
