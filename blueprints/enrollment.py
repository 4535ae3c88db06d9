"""Placeholder: filled by the enrollment work."""
from flask import Blueprint

bp = Blueprint('enrollment', __name__)
