"""Serve the development identity provider: python -m devidp --port 8001 (loopback only)."""
import argparse
import os

from werkzeug.serving import WSGIRequestHandler, run_simple


class QuietHandler(WSGIRequestHandler):
    """Logs the path without the query string: codes and signatures travel there."""

    def log_request(self, code='-', size='-'):
        self.log('info', '"%s %s" %s', self.command, self.path.split('?', 1)[0], code)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=8001)
    args = parser.parse_args()
    if args.host not in ('127.0.0.1', 'localhost', '::1'):
        parser.error('the development identity provider listens on loopback only')
    os.environ.setdefault('DEVIDP_PORT', str(args.port))
    from devidp.app import create_app
    print(f'Тестовый поставщик входа (ЕСИА): http://{args.host}:{args.port}/switches', flush=True)
    run_simple(args.host, args.port, create_app(), threaded=True, request_handler=QuietHandler)


if __name__ == '__main__':
    main()
