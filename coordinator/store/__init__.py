"""All transactions and queries; no HTTP. One module per concept."""
