"""API routes for export (being written)."""
