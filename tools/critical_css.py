"""Write static/css/signin.css: the rules of static/css/app.css that the sign-in page uses.

    .venv/bin/python tools/critical_css.py --database-url postgresql://…/a_loaded_region

The sign-in page is the first page of a first visit, on any link: it links this small sheet
instead of the whole app.css, so its first paint waits for ~1 KB of CSS, not 4 (issue 19).
The rules are chosen in Chromium: every rule of app.css (inside @media too) one of whose
selectors — with states like :focus and :hover taken off — matches an element of the sign-in
page in any of its states (both tabs, each step of the cascade, the organisation list, a
message), plus the page-wide ones (:root, *, html, body, .flash…).  Run it again after
changing app.css or the sign-in templates; tests/test_first_paint_browser.py compares the page
drawn with each sheet, pixel for pixel, and fails when they differ.
"""
import argparse
import os
import sys
import threading

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)
OUT = os.path.join(ROOT, 'static', 'css', 'signin.css')
ALWAYS = (':root', '*', 'html', 'body', '.flash', '.js', '.skip', '.without-js', '.error', '.clock-banner',
          '.site-footer', 'input', 'select', 'button', 'label', 'a')

COLLECT = '''(always) => {
  const sheet = [...document.styleSheets].find(s => s.href && s.href.includes('/css/app.css'));
  const strip = sel => sel.replace(/::?(focus-visible|focus-within|focus|hover|active|visited|disabled|checked|placeholder|before|after|marker|-webkit-[a-z-]+)(\\([^)]*\\))?/g, '')
                          .replace(/:not\\(\\)/g, '').trim() || '*';
  const used = new Set(window.__used || []);
  const walk = (rules, path) => {
    [...rules].forEach((rule, i) => {
      const key = path + '/' + i;
      if (rule.cssRules && !rule.selectorText) { walk(rule.cssRules, key); return; }
      if (!rule.selectorText) { used.add(key); return; }
      const hit = rule.selectorText.split(',').some(sel => {
        const s = strip(sel);
        if (always.some(a => s === a || s.startsWith(a + ' ') || s.startsWith(a + '.') || s.startsWith(a + ':') || s.startsWith(a + '['))) return true;
        try { return document.querySelector(s) !== null; } catch (e) { return false; }
      });
      if (hit) used.add(key);
    });
  };
  walk(sheet.cssRules, '');
  window.__used = [...used];
  return window.__used;
}'''

BUILD = '''(used) => {
  const keep = new Set(used);
  const sheet = [...document.styleSheets].find(s => s.href && s.href.includes('/css/app.css'));
  const out = [];
  const walk = (rules, path) => {
    const parts = [];
    [...rules].forEach((rule, i) => {
      const key = path + '/' + i;
      if (rule.cssRules && !rule.selectorText) {
        const inner = walk(rule.cssRules, key);
        if (inner.length) parts.push(rule.cssText.slice(0, rule.cssText.indexOf('{')).trim() + ' { ' + inner.join(' ') + ' }');
      } else if (keep.has(key)) {
        parts.push(rule.cssText);
      }
    });
    return parts;
  };
  return walk(sheet.cssRules, '').join('\\n');
}'''


def states(base, region):
    """URLs of the sign-in page in each of its states (the demo region's first choices)."""
    from models import Municipality, Organisation, Settlement
    municipality = Municipality.select().where(Municipality.region == region).order_by(Municipality.id).first()
    org = (Organisation.select().where(Organisation.municipality == municipality,
                                       Organisation.kind == 'odo', Organisation.settlement.is_null(False))
           .order_by(Organisation.id).first())
    settlement = Settlement.get_by_id(org.settlement_id)
    step = f'{base}/login?tab=org&region={region.id}&municipality={municipality.id}'
    return [base + '/login', base + '/login?tab=body', step,
            f'{step}&settlement={settlement.id}',
            f'{step}&settlement={settlement.id}&kind=odo',
            f'{step}&settlement={settlement.id}&kind=odo&q=zzzz',
            f'{base}/login?tab=body&region={region.id}&municipality={municipality.id}']


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--database-url', required=True)
    args = parser.parse_args(argv)
    import logging
    from werkzeug.serving import make_server
    from playwright.sync_api import sync_playwright
    import models
    from app import create_app
    app = create_app({'DATABASE_URL': args.database_url, 'SECRET_KEY': 'critical', 'TESTING': True,
                      'SIGN_IN_CSS': 'app.css'})
    logging.getLogger('werkzeug').setLevel(logging.ERROR)
    server = make_server('127.0.0.1', 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f'http://127.0.0.1:{server.server_port}'
    with app.app_context():
        region = models.Region.select().order_by(models.Region.id).first()
        urls = states(base, region)
    models.db.close()
    used = set()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path='/usr/bin/chromium', headless=True,
                                             args=['--no-sandbox', '--disable-gpu'])
        for width in (360, 1280):
            page = browser.new_page(viewport={'width': width, 'height': 800})
            for url in urls:
                page.goto(url)
                page.wait_for_load_state('load')
                page.evaluate('() => { const f = document.createElement("div"); f.innerHTML = '
                              '"<p class=\\"flash error\\">x</p><p class=\\"flash ok\\">x</p>'
                              '<p class=\\"flash info\\">x</p>"; document.querySelector("#flashes").append(f); }')
                used |= set(page.evaluate(COLLECT, list(ALWAYS)))
            css = page.evaluate(BUILD, sorted(used))
            page.close()
        browser.close()
    server.shutdown()
    with open(OUT, 'w') as fh:
        fh.write('/* Generated by tools/critical_css.py from app.css: the rules the sign-in page uses. */\n')
        fh.write(css + '\n')
    print(f'{OUT}: {len(css)} bytes')


if __name__ == '__main__':
    main()
