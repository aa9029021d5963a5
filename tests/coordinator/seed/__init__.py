"""Tests of coordinator.seed: Seed manifests, semantic versions and Scale v6 query parameters."""
