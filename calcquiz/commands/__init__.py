"""Thin Typer commands: parse options, call a pure module, hand results to ``calcquiz.ui``.

Each module here imports only light things at top level, so ``calcquiz --help`` stays fast.
"""
