"""Error hierarchy (HOUSE-STYLE 8.7): caller mistakes raise, bad articles are reported and skipped."""
from __future__ import annotations


class KgError(Exception):
    """Base of every error kg raises on purpose."""


class ArticleError(KgError):
    """An article that cannot be used; keeps the file attached to the reason."""

    def __init__(self, path: str, reason: str):
        super().__init__(f"{path}: {reason}")
        self.path = path
        self.reason = reason


class LexiconError(KgError):
    """Rule data that fails validation; lists every problem found, not just the first."""

    def __init__(self, problems: list[str]):
        super().__init__("invalid rule data:\n  " + "\n  ".join(problems))
        self.problems = list(problems)


class QueryError(KgError):
    """A query that cannot be found or run."""

    def __init__(self, name: str, reason: str):
        super().__init__(f"query {name!r}: {reason}")
        self.name = name
        self.reason = reason
