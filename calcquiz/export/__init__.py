"""Exports of decks for other programs. ``anki`` writes Anki's package and text formats.

Nothing here is imported when the CLI starts: genanki and markdown-it load only when an
export runs.
"""
