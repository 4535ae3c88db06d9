"""Placeholder: filled by the esia work."""
from flask import Blueprint

bp = Blueprint('esia', __name__)
