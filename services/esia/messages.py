"""The signed messages of the ЕСИА protocol: one function per message, pinned by golden vectors.

Current protocol: browser GET {base}/aas/oauth2/v2/ac, then form POST {base}/aas/oauth2/v3/te;
client_secret is the raw GOST signature (base64url) of the concatenated parameters.
Legacy protocol (ESIA_PROTOCOL=legacy): {base}/aas/oauth2/ac and {base}/aas/oauth2/te;
client_secret is a detached CMS (base64url) of scope + timestamp + client_id + state.
"""
import base64
import datetime
from urllib.parse import urlencode


def timestamp(now):
    """ЕСИА's 'yyyy.MM.dd HH:mm:ss Z' in UTC: '2026.11.29 19:45:00 +0000'."""
    if now.tzinfo is not None:
        now = now.astimezone(datetime.timezone.utc).replace(tzinfo=None)
    return now.strftime('%Y.%m.%d %H:%M:%S +0000')


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


def b64url_decode(text):
    text = text.strip()
    return base64.urlsafe_b64decode(text + '=' * (-len(text) % 4))


def authorization_text(client_id, scope, stamp, state, redirect_uri):
    return (client_id + scope + stamp + state + redirect_uri).encode('utf-8')


def token_text(client_id, scope, stamp, state, redirect_uri, code):
    return (client_id + scope + stamp + state + redirect_uri + code).encode('utf-8')


def legacy_text(scope, stamp, client_id, state):
    return (scope + stamp + client_id + state).encode('utf-8')


def authorization_url(config, signer, state, now):
    """The URL the browser is sent to; ``state`` must be kept in the user's session."""
    base, client_id, scope = config['ESIA_BASE_URL'], config['ESIA_CLIENT_ID'], config['ESIA_SCOPE']
    redirect_uri, stamp = config['ESIA_REDIRECT_URI'], timestamp(now)
    if config.get('ESIA_PROTOCOL') == 'legacy':
        secret = b64url(signer.sign_pkcs7(legacy_text(scope, stamp, client_id, state)))
        params = [('client_id', client_id), ('client_secret', secret),
                  ('redirect_uri', redirect_uri), ('scope', scope), ('response_type', 'code'),
                  ('state', state), ('timestamp', stamp), ('access_type', 'online')]
        return f'{base}/aas/oauth2/ac?{urlencode(params)}'
    secret = b64url(signer.sign(authorization_text(client_id, scope, stamp, state, redirect_uri)))
    params = [('client_id', client_id), ('client_secret', secret), ('redirect_uri', redirect_uri),
              ('scope', scope), ('response_type', 'code'), ('state', state),
              ('timestamp', stamp), ('access_type', 'online'),
              ('client_certificate_hash', signer.certificate_hash())]
    return f'{base}/aas/oauth2/v2/ac?{urlencode(params)}'


def token_request(config, signer, code, state, now):
    """(URL, form fields) of the code-for-token exchange; ``state`` is a fresh UUID."""
    base, client_id, scope = config['ESIA_BASE_URL'], config['ESIA_CLIENT_ID'], config['ESIA_SCOPE']
    redirect_uri, stamp = config['ESIA_REDIRECT_URI'], timestamp(now)
    if config.get('ESIA_PROTOCOL') == 'legacy':
        secret = b64url(signer.sign_pkcs7(legacy_text(scope, stamp, client_id, state)))
        form = {'client_id': client_id, 'code': code, 'grant_type': 'authorization_code',
                'client_secret': secret, 'state': state, 'redirect_uri': redirect_uri,
                'scope': scope, 'timestamp': stamp, 'token_type': 'Bearer'}
        return f'{base}/aas/oauth2/te', form
    secret = b64url(signer.sign(token_text(client_id, scope, stamp, state, redirect_uri, code)))
    form = {'client_id': client_id, 'code': code, 'grant_type': 'authorization_code',
            'client_secret': secret, 'state': state, 'redirect_uri': redirect_uri,
            'scope': scope, 'timestamp': stamp, 'token_type': 'Bearer',
            'client_certificate_hash': signer.certificate_hash()}
    return f'{base}/aas/oauth2/v3/te', form


def logout_url(config, redirect_url):
    """ЕСИА single sign-out: the browser goes there after signing out of Кружок."""
    params = [('client_id', config['ESIA_CLIENT_ID']), ('redirect_url', redirect_url)]
    return f"{config['ESIA_BASE_URL']}/idp/ext/Logout?{urlencode(params)}"
