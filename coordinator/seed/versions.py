"""Semantic versions (SemVer 2.0.0): parsing, and the key that sorts them by precedence."""

import dataclasses
import re

from coordinator.seed.words import describe, shown

# SemVer 2.0.0's grammar as one regular expression, written in the subset that Python and
# ECMA-262 (JSON Schema's dialect) read alike: [0-9] rather than \d, which in Python also
# matches other scripts' digits. Numbers have no leading zeros; prerelease identifiers are
# numbers or alphanumerics; build identifiers are any alphanumerics.
_NUMBER = r'(0|[1-9][0-9]*)'
_PRERELEASE_ID = r'(?:0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)'
_BUILD_ID = r'[0-9a-zA-Z-]+'
SEMVER_PATTERN = (rf'^{_NUMBER}\.{_NUMBER}\.{_NUMBER}'
                  rf'(?:-({_PRERELEASE_ID}(?:\.{_PRERELEASE_ID})*))?'
                  rf'(?:\+({_BUILD_ID}(?:\.{_BUILD_ID})*))?$')
_SEMVER = re.compile(SEMVER_PATTERN.removeprefix('^').removesuffix('$'))
EXAMPLES = '1.2.3, 1.0.0-rc.1 or 1.0.0+build.5'


@dataclasses.dataclass(frozen=True)
class Version:
    """A parsed version; `build` is kept but, as SemVer says, plays no part in precedence."""

    major: int
    minor: int
    patch: int
    prerelease: tuple[str, ...] = ()
    build: tuple[str, ...] = ()

    def __str__(self) -> str:
        text = f'{self.major}.{self.minor}.{self.patch}'
        if self.prerelease:
            text += '-' + '.'.join(self.prerelease)
        if self.build:
            text += '+' + '.'.join(self.build)
        return text

    @property
    def precedence(self) -> tuple:
        """A key ordering versions as SemVer 2.0.0 §11 does (two versions that differ only in
        build metadata have equal keys)."""
        # A release sorts after every prerelease of the same MAJOR.MINOR.PATCH: (1,) > (0, ...).
        if not self.prerelease:
            return self.major, self.minor, self.patch, (1,)
        return self.major, self.minor, self.patch, (0, *map(_identifier_key, self.prerelease))


def parse(text: str) -> Version:
    """`text` as a Version, or ValueError saying what a version looks like."""
    match = _SEMVER.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        what = shown(text) if isinstance(text, str) else describe(text)
        raise ValueError(f'{what} is not a semantic version (MAJOR.MINOR.PATCH such as {EXAMPLES})')
    major, minor, patch, prerelease, build = match.groups()
    return Version(int(major), int(minor), int(patch),
                   tuple(prerelease.split('.')) if prerelease else (),
                   tuple(build.split('.')) if build else ())


def sort_key(text: str) -> tuple:
    """The precedence key of the version `text` (ValueError when it is not one): sorted by it,
    1.2.0 comes before 1.10.0 and 1.0.0-rc.1 before 1.0.0."""
    return parse(text).precedence


def _identifier_key(identifier: str) -> tuple[int, int, str]:
    """Numeric identifiers compare as numbers and before alphanumeric ones, which compare in
    ASCII order."""
    if identifier.isdigit():
        return 0, int(identifier), ''
    return 1, 0, identifier
