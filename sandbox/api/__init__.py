"""HTTP routes: one module per area of MGE's API, plus the sandbox's own admin and media."""
