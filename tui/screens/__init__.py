"""One module per dashboard screen; a new screen is a module here plus a client call."""
