"""Validating a Seed 1.0.0 manifest, with Scale's error names."""

from coordinator.seed.issues import Issue, Validation
from coordinator.seed.schema import MANIFEST_SCHEMA
from coordinator.seed.schema_check import StrictDraft4Validator, problems

_VALIDATOR = StrictDraft4Validator(MANIFEST_SCHEMA)


def validate(manifest) -> Validation:
    """`manifest` against the Seed 1.0.0 schema."""
    return Validation(tuple(Issue('JSON_VALIDATION_ERROR', line)
                            for line in problems(manifest, _VALIDATOR, 'the manifest')))
