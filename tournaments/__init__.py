"""Tournaments: the bracket engine (plain Python) and, built on it, the Django and bot layers."""
