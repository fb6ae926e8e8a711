"""`python -m nnscalar.site DIR`: build the playground (what `make site` runs)."""

import sys

from .build import main

sys.exit(main())
