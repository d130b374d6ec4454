"""Sanctions lists: reading official lists, matching them against the registry and each other."""
