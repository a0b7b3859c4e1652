"""Tests of the tournaments app: the bracket engine first."""
