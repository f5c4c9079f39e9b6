"""Domain operations as plain functions.

They take ``now`` (aware UTC) as a parameter, flush but never commit: the caller (a view,
an API endpoint or a CLI command) commits once.
"""
