"""``python -m pyminpack.validate``: see ``--help``."""

import sys

from ._cli import main

sys.exit(main())
