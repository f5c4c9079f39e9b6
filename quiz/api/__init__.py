"""The JSON API, /api/v1 (contract fixed: outside clients use it)."""
