"""The development identity provider (a stand-in for ЕСИА on a loopback port)."""
