"""`python -m decisionlog.cli`: the `decisionlog` command."""

import sys

from decisionlog.cli.main import main

sys.exit(main())
