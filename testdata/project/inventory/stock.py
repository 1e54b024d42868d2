"""Stock records: items, quantities and what they are worth."""

from dataclasses import dataclass, replace
from decimal import ROUND_HALF_UP, Decimal

from inventory.pagination import paginate

CENT = Decimal("0.01")


class OutOfStock(Exception):
    """Raised when removing more units than are in stock."""


@dataclass(frozen=True)
class Item:
    """A stock-keeping unit: its price per unit and how many are in stock."""

    sku: str
    name: str
    unit_price: Decimal
    quantity: int = 0

    @property
    def value(self):
        return self.unit_price * self.quantity


class Inventory:
    """Items by SKU. Items at or below reorder_level units are low on stock."""

    def __init__(self, reorder_level=5):
        self.reorder_level = reorder_level
        self._items = {}

    def add(self, sku, name, unit_price, quantity=0):
        if sku in self._items:
            raise ValueError(f"duplicate sku {sku!r}")
        if quantity < 0:
            raise ValueError(f"quantity must not be negative, got {quantity}")
        self._items[sku] = Item(sku, name, Decimal(str(unit_price)), quantity)
        return self._items[sku]

    def get(self, sku):
        try:
            return self._items[sku]
        except KeyError:
            raise KeyError(f"unknown sku {sku!r}") from None

    def restock(self, sku, quantity):
        if quantity < 1:
            raise ValueError(f"restock quantity must be positive, got {quantity}")
        item = self.get(sku)
        self._items[sku] = replace(item, quantity=item.quantity + quantity)
        return self._items[sku]

    def remove(self, sku, quantity):
        item = self.get(sku)
        if quantity > item.quantity:
            raise OutOfStock(f"{sku}: {quantity} requested, {item.quantity} in stock")
        self._items[sku] = replace(item, quantity=item.quantity - quantity)
        return self._items[sku]

    def items(self):
        """All items, sorted by SKU."""
        return [self._items[sku] for sku in sorted(self._items)]

    def low_stock(self):
        """Items at or below the reorder level, sorted by SKU."""
        return [item for item in self.items() if item.quantity <= self.reorder_level]

    def total_value(self):
        """Value of all stock, rounded half up to the cent."""
        total = sum((item.value for item in self._items.values()), Decimal(0))
        return total.quantize(CENT, rounding=ROUND_HALF_UP)

    def page(self, number, per_page=10):
        """Page `number` of the items sorted by SKU."""
        return paginate(self.items(), number, per_page)
