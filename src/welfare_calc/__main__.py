"""Allow ``python -m welfare_calc``."""

from welfare_calc.cli import main

if __name__ == "__main__":
    main()
