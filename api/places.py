"""API routes for places (being written)."""
