"""Liveness (the process answers, never asking the database) and readiness (the database
answers), with warnings an operator must act on."""
from flask import Blueprint, current_app, jsonify

from models import db
from services.esia import client as esia_client

bp = Blueprint('health', __name__, url_prefix='/healthz')


@bp.get('/live')
def live():
    return jsonify(status='ok')


@bp.get('/ready')
def ready():
    try:
        db.execute_sql('SELECT 1')
    except Exception:
        return jsonify(status='unavailable', database='down'), 503
    finally:
        if not db.is_closed():
            db.close()
    expired = esia_client.expired_certificates(current_app.config)
    warnings = [f'ESIA_VERIFY_TOKENS: certificate {name} is past its notAfter; '
                'add the current ЕСИА certificate' for name in expired]
    return jsonify(status='ok', database='up', warnings=warnings)
