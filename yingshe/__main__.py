"""``python -m yingshe``: the command-line interface (see ``yingshe.cli``)."""
import sys

from .cli import main

sys.exit(main())
