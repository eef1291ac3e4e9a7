"""``python -m callcore``: the ``callcore`` command line."""
import sys

from callcore.cli import main

sys.exit(main())
