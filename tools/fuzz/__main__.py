"""`python -m tools.fuzz ...` (from the repository root): see cli.py."""

from .cli import main

raise SystemExit(main())
