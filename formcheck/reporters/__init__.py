"""Reporters turn results into things people read: terminal text, JSON."""
