"""Splitting long listings into numbered pages.

Pages are numbered from 1. An empty listing still has one (empty) page, so
that page 1 is always valid.
"""

from dataclasses import dataclass


class PageError(ValueError):
    """A page number outside 1..page_count."""


@dataclass(frozen=True)
class Page:
    """One page of a listing."""

    number: int
    pages: int
    total: int
    items: list

    @property
    def has_next(self):
        return self.number < self.pages

    @property
    def has_previous(self):
        return self.number > 1


def page_count(total, per_page):
    """Return how many pages of at most per_page items hold total items."""
    if per_page < 1:
        raise ValueError(f"per_page must be at least 1, got {per_page}")
    return max(1, total // per_page)


def paginate(items, page, per_page=10):
    """Return page number `page` of items, per_page items to a page."""
    items = list(items)
    pages = page_count(len(items), per_page)
    if not 1 <= page <= pages:
        raise PageError(f"page {page} is out of range 1..{pages}")
    start = (page - 1) * per_page
    return Page(number=page, pages=pages, total=len(items), items=items[start:start + per_page])
