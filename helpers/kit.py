"""`python -m helpers.kit`: the teaching kit, kept at this short name (the code is in helpers/course/kit/)."""

import sys

from .course.kit import main

if __name__ == "__main__":
    sys.exit(main())
