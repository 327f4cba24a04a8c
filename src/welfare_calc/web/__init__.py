"""The clerks' page (``welfare-calc serve``): :mod:`~welfare_calc.web.app`, the routes, one
more front end of the core; :mod:`~welfare_calc.web.guard`, who may ask. Imported only by
``serve``, so that a single command does not pay for Starlette."""
