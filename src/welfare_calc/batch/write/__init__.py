"""What a run leaves behind, and how it is put in place.

- :mod:`~welfare_calc.batch.write.files`: which files a run writes, checked before it starts;
- :mod:`~welfare_calc.batch.write.targets`: where a run may write (no collisions, locks);
- :mod:`~welfare_calc.batch.write.staging`: files that appear whole, and together, or not
  at all;
- :mod:`~welfare_calc.batch.write.documents`: what an office files: titles, the 资金汇总
  table, sign-off lines, the run stamp, masked names;
- :mod:`~welfare_calc.batch.write.workbook`: the results as an Excel workbook, laid out to
  print and sign;
- :mod:`~welfare_calc.batch.write.publicity`: the 公示 list, without personal data.
"""
