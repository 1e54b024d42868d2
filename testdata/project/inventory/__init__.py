"""inventory: a small stock ledger with paged listings."""

from inventory.pagination import Page, PageError, page_count, paginate
from inventory.stock import Inventory, Item, OutOfStock

__all__ = [
    "Inventory",
    "Item",
    "OutOfStock",
    "Page",
    "PageError",
    "page_count",
    "paginate",
]
