"""The HTTP layer: thin responders per API family that validate, call the store and serialise."""
