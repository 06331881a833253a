"""``calcquiz import anki``: review history from an Anki package back into calcquiz.

``package`` reads ``.apkg``/``.colpkg`` files, ``merge`` folds Anki's review log into
the store and rebuilds each card's FSRS state, ``to_deck`` turns notes that are not
calcquiz cards into deck files (``templates`` draws each card's sides, ``html`` converts
them to Markdown), ``deck_file`` writes them so a failed import leaves no trace, ``run``
puts it together. Nothing here is imported when the CLI starts.
"""
