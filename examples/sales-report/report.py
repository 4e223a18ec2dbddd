"""Summarise sales per region from a CSV file into a Markdown report, report.md.

    rgrid run examples/sales-report/report.py examples/sales-report/sales.csv
"""

import csv
import sys
from collections import defaultdict

from tabulate import tabulate


def main(path: str) -> None:
    revenue = defaultdict(float)
    orders = defaultdict(int)
    with open(path, newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            revenue[row["region"]] += float(row["amount"])
            orders[row["region"]] += 1
    rows = sorted(
        ((region, orders[region], total) for region, total in revenue.items()),
        key=lambda row: -row[2],
    )
    table = tabulate(
        rows, headers=["region", "orders", "revenue"], tablefmt="github", floatfmt=".2f"
    )
    with open("report.md", "w", encoding="utf-8") as out:
        out.write("# Sales by region\n\n" + table + "\n")
    print(table)
    print(f"wrote report.md ({len(rows)} regions, {sum(orders.values())} orders)", file=sys.stderr)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: report.py SALES.csv")
    main(sys.argv[1])
