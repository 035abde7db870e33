"""`python -m grader.cli` is the `actspace` command."""
import sys

from grader.cli import main

sys.exit(main())
