"""The live dashboard tests start real coordinators with the e2e `serve` fixture."""

from tests.e2e.conftest import serve  # noqa: F401  (a fixture, used by name)
