"""`python -m course.kit`: the teaching kit."""

import sys

from . import main

sys.exit(main())
