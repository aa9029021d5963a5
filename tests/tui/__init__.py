"""Tests of the farm-tui dashboard: client, model, screens (Pilot) and SVG snapshots."""
