"""``calcquiz sync anki``: two-way sync with the learner's own Anki collection file.

Everything here goes through the official ``anki`` package (an optional extra) and is
imported only by the ``sync`` command. By idea:

* :mod:`.location`: where Anki keeps a profile's collection on each platform.
* :mod:`.safety`: one sync at a time, refusing a collection Anki holds open (or one that
  is damaged, too new, read-only), and the backup taken before writing.
* :mod:`.marks`: suspensions and buries, reconciled against what the last sync left.
* :mod:`.anki_side`: reading the live collection, and applying calcquiz's cards, ratings
  and states to it.
* :mod:`.run`: the sync itself (both sides, each in one transaction) and its report.

The review logs are merged and each card's state replayed by the same code as
``import anki`` (:mod:`calcquiz.anki_import.merge`); the rows written to Anki are the
ones ``export anki --with-progress`` writes (:mod:`calcquiz.export.progress`).
"""
