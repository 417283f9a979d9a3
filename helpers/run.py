"""`python -m helpers.run`: the headless runner, kept at this short name (the code is in helpers/course/runner.py)."""

import sys

from .course.runner import main

if __name__ == "__main__":
    sys.exit(main())
