"""API routes for indicators (being written)."""
