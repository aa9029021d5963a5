"""Pure Seed and Scale v6 pieces: manifest validation, semantic versions and query parameters."""
