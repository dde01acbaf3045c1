"""The frozen bundle's entry point: the same `healthinsight` command as the pip install."""

import sys

from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
