"""Compressed weight of a first visit to the sign-in page, with every asset it loads.

    .venv/bin/python bench/page_weight.py [--database-url sqlite:///instance/kruzhok.db]

Prints each response's raw and gzip/brotli size and the totals (target: ≤ 40 KB compressed).
"""
import argparse
import os
import re
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

import models  # noqa: E402
from app import create_app  # noqa: E402


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--database-url', default=None,
                        help='a loaded database (default: an empty migrated SQLite file)')
    args = parser.parse_args()
    url = args.database_url or 'sqlite:///' + os.path.join(tempfile.mkdtemp(), 'weight.db')
    app = create_app({'DATABASE_URL': url, 'SECRET_KEY': 'bench', 'PUBLIC_URL': 'http://127.0.0.1:8000'})
    models.migrate()
    client = app.test_client()
    html = client.get('/login').get_data(as_text=True)
    urls = ['/login'] + re.findall(r'(?:href|src|data-htmx)="(/static/[^"]+)"', html)
    totals = {'identity': 0, 'gzip': 0, 'br': 0}
    print(f'{"resource":<50} {"raw":>8} {"gzip":>8} {"br":>8}')
    for url in urls:
        sizes = {enc: len(client.get(url, headers={'Accept-Encoding': enc}).data) for enc in totals}
        for enc, size in sizes.items():
            totals[enc] += size
        print(f'{url.split("?")[0]:<50} {sizes["identity"]:>8} {sizes["gzip"]:>8} {sizes["br"]:>8}')
    print(f'{"total (bytes)":<50} {totals["identity"]:>8} {totals["gzip"]:>8} {totals["br"]:>8}')
    print(f'first visit: {totals["gzip"] / 1024:.1f} KB gzip, {totals["br"] / 1024:.1f} KB brotli (target ≤ 40 KB)')


if __name__ == '__main__':
    main()
