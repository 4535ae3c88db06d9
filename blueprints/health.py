"""Liveness (the process answers) and readiness (the database answers)."""
from flask import Blueprint, jsonify

from models import db

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
    return jsonify(status='ok', database='up')
