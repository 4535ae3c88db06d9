"""htmx answers are complete (issue 12): a refusal made during an htmx request comes back with
the fragment, out of band, instead of waiting for the next full page."""
from tests.builders import draft

HTMX = {'HX-Request': 'true', 'HX-Request-Type': 'partial'}


def test_a_refusal_during_an_htmx_request_is_in_the_fragment_it_leads_to(app, admin_client, region):
    with app.app_context():
        order = draft(region.odo, 'enrolment', 5)
    token = admin_client.csrf_token('/')
    refused = admin_client.post(f'/movement/orders/{order.id}/lines', data={'csrf_token': token},
                                headers=HTMX)
    assert refused.status_code == 303
    fragment = admin_client.get(refused.headers['Location'], headers=HTMX).get_data(as_text=True)
    assert '<!doctype html>' not in fragment.lower()
    assert 'id="flashes" hx-swap-oob="true"' in fragment
    assert 'Отметьте учащихся, которых добавить в приказ.' in fragment
    again = admin_client.get(refused.headers['Location'], headers=HTMX).get_data(as_text=True)
    assert 'class="flash error"' not in again and 'id="flashes" hx-swap-oob="true"' in again  # shown once


def test_a_full_page_shows_its_flashes_in_place(app, admin_client, region):
    with app.app_context():
        order = draft(region.odo, 'enrolment', 6)
    refused = admin_client.post_form(f'/movement/orders/{order.id}/lines', {})
    page = admin_client.get(refused.headers['Location']).get_data(as_text=True)
    assert '<div id="flashes">' in page and 'hx-swap-oob' not in page
    assert 'Отметьте учащихся, которых добавить в приказ.' in page


def test_htmx_without_a_session_is_sent_to_sign_in_by_header(client, region):
    response = client.get('/movement/', headers=HTMX)
    assert response.status_code == 401 and response.headers['HX-Redirect'] == '/login'
