"""farm-tui: the Textual dashboard over the coordinator's REST API."""
