"""``calcquiz import anki``: review history from an Anki package back into calcquiz.

``package`` reads ``.apkg``/``.colpkg`` files, ``merge`` folds Anki's review log into
the store and rebuilds each card's FSRS state, ``to_deck`` turns notes that are not
calcquiz cards into a deck file (``html`` converts their fields to Markdown). Nothing
here is imported when the CLI starts.
"""
