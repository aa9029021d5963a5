"""`python -m coordinator` is `farm-coordinator`."""

import sys

from coordinator.cli import main

sys.exit(main())
