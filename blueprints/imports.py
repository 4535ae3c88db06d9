"""Placeholder: filled by the imports work."""
from flask import Blueprint

bp = Blueprint('imports', __name__)
