"""The monthly payroll: a month's 发放明细, what changed since last month, the bank file
and the bank's answer reconciled (issue 30).

Every amount is the core's (:mod:`welfare_calc.core.engine`, one household's month); the
roster is read as ``batch`` reads it (:mod:`welfare_calc.batch`). This package adds the
month's documents around those amounts:

- :mod:`~welfare_calc.payroll.accounts`: a bank account checked before it is sent;
- :mod:`~welfare_calc.payroll.payments`: one household's payment of a month and its key,
  as a script hands payments to the bank file's writer;
- :mod:`~welfare_calc.payroll.lines`: each chunk's 发放明细 and bank lines, made
  column-wise in the batch's workers from the rows it wrote; the one maker of a bank line;
- :mod:`~welfare_calc.payroll.detail`: the month's 发放明细 and its statistics, the
  batch's documents maker, from the rows the batch wrote with the core's plan of the
  month (:class:`~welfare_calc.core.engine.MonthPlan`);
- :mod:`~welfare_calc.payroll.layouts`: a bank file's layout as data (YAML; ``csv`` and
  ``pipe`` shipped in ``layouts/``, read as written), and ``--bank-layout``'s resolver;
  :mod:`~welfare_calc.payroll.layout_spec`: a layout file checked with pydantic (imported
  only to check one); :mod:`~welfare_calc.payroll.layout_fields`: what a line may hold;
- :mod:`~welfare_calc.payroll.bank`: the bank file written, its summary the sum of its
  lines, whole or not at all;
- :mod:`~welfare_calc.payroll.reconcile`: the bank's return checked against the file sent,
  and its failures as a 重发名单;
- :mod:`~welfare_calc.payroll.changes`: two months compared, household by household
  (新增, 停发, 增发, 减发, each with its reasons), counted per group;
- :mod:`~welfare_calc.payroll.changes_writing`: the change roster and its statistics as an
  office files them: printed sheets of the payroll's workbook, or CSV;
- :mod:`~welfare_calc.payroll.month_changes`: both months read through the batch for the
  payroll's ``--previous``, compared and written with the 发放明细.

Nothing is imported here, so that a single calculation does not pay for it.
"""
