"""The drill log: one row per auto-graded exercise, and the per-topic results."""

from __future__ import annotations

import time

from calcquiz.store.base import StoreBase


class DrillLog(StoreBase):
    """Auto-graded exercises and their results by topic."""

    # -- drills
    def record_drill(
        self,
        topic: str,
        prompt: str,
        expected: str,
        given: str | None,
        correct: bool,
        duration_ms: int | None,
        answered_at: float | None = None,
    ) -> int:
        with self._write() as conn:
            cur = conn.execute(
                "INSERT INTO drill_log (topic, prompt, expected, given, correct, duration_ms, "
                "answered_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    topic,
                    prompt,
                    expected,
                    given,
                    int(correct),
                    duration_ms,
                    time.time() if answered_at is None else answered_at,
                ),
            )
            assert cur.lastrowid is not None
            return cur.lastrowid

    def drill_accuracy(self) -> dict[str, tuple[int, int, int]]:
        """topic -> (correct, attempted, skipped); a skip (``given`` NULL) is no attempt."""
        rows = self.conn.execute(
            "SELECT topic, SUM(correct), SUM(given IS NOT NULL), SUM(given IS NULL) "
            "FROM drill_log GROUP BY topic ORDER BY topic"
        )
        return {t: (int(c), int(n), int(s)) for t, c, n, s in rows}

    def recent_drill_results(self, limit: int) -> dict[str, list[bool]]:
        """topic -> right or wrong for its last ``limit`` attempted exercises, newest first."""
        rows = self.conn.execute(
            "SELECT topic, correct FROM (SELECT topic, correct, id, ROW_NUMBER() OVER "
            "(PARTITION BY topic ORDER BY id DESC) AS n FROM drill_log WHERE given IS NOT NULL) "
            "WHERE n <= ? ORDER BY topic, id DESC",
            (limit,),
        )
        out: dict[str, list[bool]] = {}
        for topic, correct in rows:
            out.setdefault(topic, []).append(bool(correct))
        return out
