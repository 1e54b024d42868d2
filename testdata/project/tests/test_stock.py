import unittest
from decimal import Decimal

from inventory.stock import Inventory, OutOfStock


def sample():
    inv = Inventory(reorder_level=5)
    inv.add("B-200", "bolt", "0.125", 40)
    inv.add("A-100", "anchor", "2.50", 5)
    inv.add("C-300", "clamp", "7.99", 3)
    return inv


class InventoryTest(unittest.TestCase):
    def test_items_sorted_by_sku(self):
        self.assertEqual([i.sku for i in sample().items()], ["A-100", "B-200", "C-300"])

    def test_duplicate_sku(self):
        inv = sample()
        with self.assertRaises(ValueError):
            inv.add("A-100", "anchor", "1.00")

    def test_restock_and_remove(self):
        inv = sample()
        inv.restock("C-300", 10)
        self.assertEqual(inv.remove("C-300", 4).quantity, 9)

    def test_remove_more_than_in_stock(self):
        inv = sample()
        with self.assertRaises(OutOfStock):
            inv.remove("C-300", 4)
        self.assertEqual(inv.get("C-300").quantity, 3)

    def test_unknown_sku(self):
        with self.assertRaises(KeyError):
            sample().get("Z-999")

    def test_low_stock_includes_reorder_level(self):
        self.assertEqual([i.sku for i in sample().low_stock()], ["A-100", "C-300"])

    def test_total_value_rounds_half_up(self):
        # 40 * 0.125 + 5 * 2.50 + 3 * 7.99 = 5.000 + 12.50 + 23.97
        self.assertEqual(sample().total_value(), Decimal("41.47"))
        inv = Inventory()
        inv.add("X-1", "washer", "0.125", 1)
        self.assertEqual(inv.total_value(), Decimal("0.13"))

    def test_pages_of_items(self):
        inv = sample()
        self.assertEqual([i.sku for i in inv.page(1, per_page=2).items], ["A-100", "B-200"])
        last = inv.page(2, per_page=2)
        self.assertEqual([i.sku for i in last.items], ["C-300"])
        self.assertTrue(last.has_previous)


if __name__ == "__main__":
    unittest.main()
