"""calcquiz: flashcards, live numeric demos and drills for the calculus behind ML."""

__version__ = "0.1.0"
