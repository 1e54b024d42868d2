#!/usr/bin/env python3
"""Print the text of each page of a PDF (test fixture; does nothing real)."""
import sys

if __name__ == "__main__":
    print(f"would extract {sys.argv[1:]}")
