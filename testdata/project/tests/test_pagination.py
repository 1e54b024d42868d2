import unittest

from inventory.pagination import PageError, page_count, paginate


class PageCountTest(unittest.TestCase):
    def test_page_count(self):
        cases = [
            (0, 10, 1),
            (1, 10, 1),
            (10, 10, 1),
            (11, 10, 2),
            (25, 10, 3),
            (30, 10, 3),
        ]
        for total, per_page, want in cases:
            with self.subTest(total=total, per_page=per_page):
                self.assertEqual(page_count(total, per_page), want)

    def test_per_page_must_be_positive(self):
        with self.assertRaises(ValueError):
            page_count(5, 0)


class PaginateTest(unittest.TestCase):
    def test_first_page(self):
        page = paginate(range(25), 1, per_page=10)
        self.assertEqual(page.items, list(range(10)))
        self.assertEqual((page.number, page.total), (1, 25))
        self.assertTrue(page.has_next)
        self.assertFalse(page.has_previous)

    def test_last_page_is_partial(self):
        page = paginate(range(25), 3, per_page=10)
        self.assertEqual(page.items, [20, 21, 22, 23, 24])
        self.assertEqual(page.pages, 3)
        self.assertFalse(page.has_next)

    def test_empty_listing_has_one_page(self):
        page = paginate([], 1)
        self.assertEqual((page.items, page.pages, page.total), ([], 1, 0))

    def test_page_out_of_range(self):
        for number in (0, 4, -1):
            with self.subTest(page=number):
                with self.assertRaises(PageError):
                    paginate(range(25), number, per_page=10)


if __name__ == "__main__":
    unittest.main()
