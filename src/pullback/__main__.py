"""`python -m pullback FILE.py:FUNC`: print the generated gradient of FUNC."""

from .cli import main

raise SystemExit(main())
