import logging
from tests.test_page_budget import world, HTMX  # noqa
def test_show(app, client, world):
    region, children, order = world
    client.sign_in('odo-admin', organisation=region.odo)
    client.get('/')
    log = logging.getLogger('peewee'); log.setLevel('DEBUG')
    h = logging.StreamHandler(open('/tmp/speed/q.txt','w')); log.addHandler(h)
    for path, hx in [(f'/enrolment/orders/{order.id}/search?applied=1&surname=%D0%BF%D0%B5%D1%82', True), ('/', False)]:
        h.stream.write(f'==== {path}\n')
        client.get(path, headers=HTMX if hx else {})
    log.removeHandler(h)
