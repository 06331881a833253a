"""``python -m calcquiz``."""

from calcquiz.cli import main

main()
