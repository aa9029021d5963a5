"""Validating a job type without saving it (/v6/job-types/validation/): always the verdict, 200."""

from coordinator.api import bodies
from coordinator.api.scale import manifests


class Validation(bodies.BodyResource):
    """POST {"manifest", "configuration"}: {"is_valid", "errors", "warnings"}. Other fields,
    such as the rest of what POST /v6/job-types/ takes, are ignored, as Scale does."""

    def on_post(self, req, resp):
        body = self._read_body(req)
        _, validation = manifests.checked(bodies.required(body, 'manifest'),
                                          body.get('configuration'))
        resp.media = validation.to_dict()
