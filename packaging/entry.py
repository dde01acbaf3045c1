"""The frozen bundle's entry point: the same `healthinsight` command as the pip install.

With HEALTHINSIGHT_BUNDLE_CHECK=1 it runs packaging/bundle_check.py instead, the checks
`make package-test` makes inside the bundle (features the CLI commands do not reach).
"""

import os
import sys

if os.environ.get("HEALTHINSIGHT_BUNDLE_CHECK") == "1":
    from bundle_check import main
else:
    from app.cli import main

if __name__ == "__main__":
    sys.exit(main())
