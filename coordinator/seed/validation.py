"""Validating a Seed 1.0.0 manifest and its Scale v6 configuration, with Scale's error names."""

from coordinator.seed.checks import manifest_errors, manifest_warnings
from coordinator.seed.configuration import configuration_issues
from coordinator.seed.issues import Issue, Validation
from coordinator.seed.normalise import normalise
from coordinator.seed.schema import MANIFEST_SCHEMA
from coordinator.seed.schema_check import StrictDraft4Validator, problems

_VALIDATOR = StrictDraft4Validator(MANIFEST_SCHEMA)


def validate(manifest, configuration=None) -> Validation:
    """`manifest` against the Seed 1.0.0 schema and the rules a schema cannot say, and
    `configuration` (Scale v6's form; None is an empty one) on its own and against it."""
    errors = [Issue('JSON_VALIDATION_ERROR', line)
              for line in problems(manifest, _VALIDATOR, 'the manifest')]
    schema_valid = not errors
    warnings = []
    if schema_valid:
        errors += manifest_errors(manifest)
        warnings += manifest_warnings(manifest)
    more_errors, more_warnings = configuration_issues(configuration,
                                                      manifest if schema_valid else None)
    return Validation(tuple(errors + more_errors), tuple(warnings + more_warnings))


def normalise_and_validate(manifest, configuration=None) -> tuple[object, Validation]:
    """(the normalised manifest, its validation): what POST /v6/job-types/ and its validation
    endpoint do with what they are sent; normalise's warnings come first."""
    manifest, notes = normalise(manifest)
    validation = validate(manifest, configuration)
    return manifest, Validation(validation.errors, (*notes, *validation.warnings))
