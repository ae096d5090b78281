"""Renderers: pure functions from CheckResults to text; they never decide verdicts."""
