"""First paint and load on a 2G link in Chromium: 300 ms latency, 50 kbit/s each way, cold cache.

    .venv/bin/python bench/first_paint.py --database-url postgresql://postgres@127.0.0.1:5432/kz_big
    .venv/bin/python bench/first_paint.py --database-url … --code ../other-checkout   # another checkout

Serves the app (prepared as in search_bench.py) on a loopback port in this process and opens,
each ``--runs`` times with the cache disabled: the sign-in page, and as the signed-in demo
administrator the registry search page after a surname search (the whole page, 50 rows).
Chrome DevTools' network emulation sets the link.  Prints first contentful paint, the load
event, the bytes of HTML and CSS (what the first paint needs) and of everything, as
transferred (compressed).  Targets (issue 19): sign-in first paint ≤ 1.5 s and load ≤ 3 s;
the search page ≤ 3 s; HTML and CSS of a first visit (the sign-in page: nothing else opens
before signing in) ≤ 8 KB compressed.
"""
import argparse
import hashlib
import json
import os
import secrets
import statistics
import sys
import threading

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
CHROMIUM = os.environ.get('CHROMIUM', '/usr/bin/chromium')
LINK = {'offline': False, 'latency': 300, 'downloadThroughput': 50_000 / 8,
        'uploadThroughput': 50_000 / 8}


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--database-url', required=True)
    parser.add_argument('--code', default=ROOT, help='checkout whose app is measured')
    parser.add_argument('--runs', type=int, default=3)
    return parser.parse_args(argv)


def visit(browser, url, cookie=None):
    context = browser.new_context(viewport={'width': 360, 'height': 740}, locale='ru-RU')
    if cookie:
        context.add_cookies([cookie])
    page = context.new_page()
    cdp = context.new_cdp_session(page)
    cdp.send('Network.enable')
    cdp.send('Network.setCacheDisabled', {'cacheDisabled': True})
    cdp.send('Network.emulateNetworkConditions', LINK)
    page.goto(url, wait_until='load', timeout=60_000)
    page.wait_for_timeout(200)
    figures = page.evaluate('''() => {
        const nav = performance.getEntriesByType('navigation')[0];
        const paint = performance.getEntriesByName('first-contentful-paint')[0];
        const resources = performance.getEntriesByType('resource');
        const css = resources.filter(r => r.name.includes('.css')).reduce((s, r) => s + r.transferSize, 0);
        const all = resources.reduce((s, r) => s + r.transferSize, 0) + nav.transferSize;
        return {paint: paint ? paint.startTime : null, load: nav.loadEventEnd, html: nav.transferSize,
                css: css, all: all, htmx: !!window.htmx};
    }''')
    context.close()
    return figures


def main(argv=None):
    args = parse_args(argv)
    sys.path[:0] = [os.path.abspath(args.code), HERE]
    sys.path.append(ROOT)
    import models
    import search_bench
    from models import WebSession, utcnow
    from werkzeug.serving import make_server
    from playwright.sync_api import sync_playwright

    app, admin, home, order = search_bench.prepare(search_bench.parse_args(
        ['--database-url', args.database_url]))
    app.config['IMPORT_WORKER'] = False
    key = secrets.token_urlsafe(32)
    now = utcnow()
    row = dict(key_hash=hashlib.sha256(key.encode()).hexdigest(), user=admin.id,
               data=json.dumps({'_user_id': str(admin.id), 'org_id': home.id, '_fresh': True}),
               created_at=now, last_seen_at=now, ip='127.0.0.1', user_agent='first-paint')
    if 'organisation_id' in WebSession._meta.fields:
        row['organisation_id'] = home.id
    WebSession.create(**row)
    models.db.close()
    import logging
    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    server = make_server('127.0.0.1', 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{server.server_port}'
    search = search_bench.request_path('surname', order, {'applied': 1, 'surname': 'Ив', 'size': 50})
    cookie = {'name': 'kruzhok_session', 'value': key, 'url': base}
    # A first visit is the sign-in page (nothing else opens before signing in): its HTML and CSS
    # have the 8 KB budget; the search page, with a cold cache, its load time.
    pages = [('sign-in page /login', base + '/login', None, (1500, 3000, 8)),
             ('search page after a search (50 rows)', base + search, cookie, (None, 3000, None))]
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                                 args=['--no-sandbox', '--disable-gpu'])
            print(f'code: {args.code}; link: 300 ms, 50 kbit/s, cache disabled; '
                  f'load average {os.getloadavg()[0]:.2f}')
            print(f'{"page":<40}{"first paint":>13}{"load":>9}{"HTML+CSS":>10}{"all":>9}  htmx')
            for label, url, who, (paint_target, load_target, bytes_target) in pages:
                runs = [visit(browser, url, who) for _ in range(args.runs)]
                paint = statistics.median(r['paint'] or float('nan') for r in runs)
                load = statistics.median(r['load'] for r in runs)
                first = runs[0]
                print(f'{label:<40}{paint:>10.0f} ms{load:>6.0f} ms{(first["html"] + first["css"]) / 1024:>7.1f} KB'
                      f'{first["all"] / 1024:>6.1f} KB  {"loaded" if first["htmx"] else "not yet"}')
                verdict = []
                if paint_target:
                    verdict.append(f'first paint {paint:.0f} ms (target ≤ {paint_target})')
                verdict.append(f'load {load:.0f} ms (target ≤ {load_target})')
                if bytes_target:
                    verdict.append(f'HTML+CSS {(first["html"] + first["css"]) / 1024:.1f} KB '
                                   f'(a first visit\'s, target ≤ {bytes_target})')
                print('    ' + '; '.join(verdict))
            browser.close()
    finally:
        server.shutdown()
        models.db.connect(reuse_if_open=True)
        WebSession.delete().where(WebSession.user_agent == 'first-paint').execute()
        models.db.close()


if __name__ == '__main__':
    main()
