"""What every ops command shares: its exit codes and one-line usage errors."""

from __future__ import annotations

import argparse
from typing import NoReturn

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_USAGE = 2


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr (exit 2), not the usage block.

    The line starts with the command's name (the first word of `prog`, also in
    a subcommand's parser), as in `ecs-deploy: error: ... (see --help)`.
    """

    def error(self, message: str) -> NoReturn:
        """Exit 2 with `message` on one line."""
        self.exit(EXIT_USAGE, f"{self.prog.split()[0]}: error: {message} (see --help)\n")
