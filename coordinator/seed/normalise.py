"""Bringing older Seed manifests up to Seed 1.0.0 where the intent is plain, with a warning each."""

import copy
import json
import re

from coordinator.seed.issues import Issue
from coordinator.seed.words import shown

_MAX_NAME_CHARS = 64


def normalise(manifest) -> tuple[object, list[Issue]]:
    """(the manifest to validate, warnings): a copy in which each error without the `name`
    Seed 1.0.0 requires has one derived from its title ("Error Name" → "error-name"), or from
    its exit code. A manifest sent as a JSON string, as Seed's image label holds it, is read."""
    if isinstance(manifest, str):
        try:
            manifest = json.loads(manifest)
        except ValueError:
            return manifest, []  # the validation says it is not an object
    errors = _errors_of(manifest)
    if not any(isinstance(error, dict) and 'name' not in error for error in errors):
        return manifest, []
    manifest = copy.deepcopy(manifest)
    errors = manifest['job']['errors']
    taken = {error.get('name') for error in errors if isinstance(error, dict)}
    warnings = []
    for index, error in enumerate(errors):
        if isinstance(error, dict) and 'name' not in error:
            name, source = _derived_name(error, taken)
            if name:
                error['name'] = name
                taken.add(name)
                warnings.append(Issue('DERIVED_ERROR_NAME',
                                      f'job.errors[{index}] has no name, which Seed 1.0.0 '
                                      f'requires: named {shown(name)} from its {source}'))
    return manifest, warnings


def _errors_of(manifest) -> list:
    job = manifest.get('job') if isinstance(manifest, dict) else None
    errors = job.get('errors') if isinstance(job, dict) else None
    return errors if isinstance(errors, list) else []


def _derived_name(error: dict, taken: set) -> tuple[str | None, str]:
    """A name from the title, made unique with the exit code if another error has it."""
    code = error.get('code')
    code = code if isinstance(code, int) and not isinstance(code, bool) else None
    title = error.get('title')
    slug = _slug(title) if isinstance(title, str) else ''
    if not slug:
        return (f'error-{code}', 'exit code') if code is not None else (None, '')
    if slug in taken and code is not None:
        slug = f'{slug}-{code}'
    return slug, 'title'


def _slug(title: str) -> str:
    """'Data Issue discovered' → 'data-issue-discovered': letters and digits, joined by -."""
    return re.sub(r'[^a-z0-9]+', '-', title.lower())[:_MAX_NAME_CHARS].strip('-')
