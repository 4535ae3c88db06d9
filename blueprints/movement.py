"""Placeholder: filled by the movement work."""
from flask import Blueprint

bp = Blueprint('movement', __name__)
