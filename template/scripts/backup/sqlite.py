#!/usr/bin/env python3
"""Back up or restore the services' SQLite database: ``make backup``,
``make restore FILE=.data/backups/<file>.sqlite3`` (``--help`` lists every command).

Exit codes: 0 done, 1 the copy failed, 2 bad input (missing file, wrong database).
"""

from __future__ import annotations

import sys

from ops.backup.cli import main

if __name__ == "__main__":
    sys.exit(main())
