"""The outcome of a validation: named errors and warnings, and its wire form for Scale v6."""

import dataclasses


@dataclasses.dataclass(frozen=True)
class Issue:
    """One problem: `name` is Scale's (JSON_VALIDATION_ERROR, MISSING_SETTING, …), and
    `description` one line saying which field and what is wrong with it."""

    name: str
    description: str

    def to_dict(self) -> dict:
        return {'name': self.name, 'description': self.description}


@dataclasses.dataclass(frozen=True)
class Validation:
    """Errors make a manifest or configuration unusable; warnings are worth telling its author."""

    errors: tuple[Issue, ...] = ()
    warnings: tuple[Issue, ...] = ()

    @property
    def is_valid(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict:
        """{"is_valid", "errors": [{"name", "description"}], "warnings": [...]}: Scale's form."""
        return {'is_valid': self.is_valid, 'errors': [issue.to_dict() for issue in self.errors],
                'warnings': [issue.to_dict() for issue in self.warnings]}
