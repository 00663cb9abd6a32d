"""``python -m yingshe``: the command-line interface (see ``yingshe.cli``)."""
import sys

from .cli import main

if __name__ == "__main__":  # not on import (the documentation's API inspection imports it)
    sys.exit(main())
