"""API routes for territories (being written)."""
