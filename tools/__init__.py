"""Development tools for pullback. Nothing here is part of the installed package: the
wheel ships `src/pullback` only, and pullback never imports this folder."""
