"""`python -m helpers.kit ...`: see the package docstring."""

import sys

from . import main

sys.exit(main())
