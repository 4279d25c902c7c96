"""Test support shared across test packages (sandbox process control, ...)."""
