"""Tests of the MGE sandbox with raw httpx against a real `python -m sandbox` process."""
