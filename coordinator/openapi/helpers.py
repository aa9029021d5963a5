"""Small builders that keep the per-family OpenAPI tables short."""


def ref(name: str) -> dict:
    return {'$ref': f'#/components/schemas/{name}'}


def json_content(schema: dict) -> dict:
    return {'application/json': {'schema': schema}}


def response(description: str, schema: dict | None = None) -> dict:
    out = {'description': description}
    if schema is not None:
        out['content'] = json_content(schema)
    return out


def operation(summary: str, responses: dict, *, body: dict | None = None,
              parameters: list | None = None, public: bool = False) -> dict:
    """One operation; `responses` maps status code to `response(...)`."""
    op = {'summary': summary, 'responses': {str(code): r for code, r in responses.items()}}
    if body is not None:
        op['requestBody'] = {'required': True, 'content': json_content(body)}
    if parameters:
        op['parameters'] = parameters
    if public:
        op['security'] = []
    return op


def path_param(name: str, schema: dict, description: str) -> dict:
    return {'name': name, 'in': 'path', 'required': True, 'schema': schema,
            'description': description}


def query_param(name: str, schema: dict, description: str) -> dict:
    return {'name': name, 'in': 'query', 'required': False, 'schema': schema,
            'description': description}


def obj(properties: dict, required: tuple = ()) -> dict:
    out = {'type': 'object', 'properties': properties}
    if required:
        out['required'] = list(required)
    return out
