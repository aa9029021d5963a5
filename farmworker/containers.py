"""A job's command wrapped to run in its docker image by apptainer or singularity.

HPC nodes have no docker daemon; apptainer (or its ancestor singularity) runs the same
images unprivileged. The job runs as `RUNTIME run --cleanenv --bind ... IMAGE ARGS...`:

- `run`, not `exec`: an image's runscript is its docker ENTRYPOINT, and Seed's command
  is "analogous to the Docker CMD", which an ENTRYPOINT receives as its arguments (an
  image without one runs the command itself; an empty command runs the image's CMD);
- `--cleanenv`: the job sees its own variables, as under docker, not the node's;
  they reach it as APPTAINERENV_NAME (SINGULARITYENV_NAME) in the runtime's
  environment, never as `--env NAME=value` arguments, which any user of the node can
  read in the process list, and settings hold secrets;
- `--bind PATH:PATH[:ro]`: OUTPUT_DIR and the input files appear at the same paths
  inside, so the paths in the command and environment hold there too.
"""

import os
import shutil
from collections.abc import Iterable, Mapping

RUNTIMES = ('apptainer', 'singularity')  # looked for on the PATH, in this order
_ENV_PREFIXES = {'apptainer': 'APPTAINERENV_', 'singularity': 'SINGULARITYENV_'}
_LOCAL_IMAGE_STARTS = ('/', './', '../')  # a SIF file on a shared file system


class CannotBind(ValueError):
    """A path the runtime's --bind syntax cannot express."""


def find_runtime(path: str | None) -> str | None:
    """The first of RUNTIMES on `path` (a PATH value), as a full path; None if neither is."""
    for name in RUNTIMES:
        found = shutil.which(name, path=path)
        if found:
            return found
    return None


def image_reference(image: str) -> str:
    """What the runtime is given for a job type's docker_image: a registry image gets the
    `docker://` transport; a URI (`oras://...`) or a path to a local image stays as it is."""
    if '://' in image or image.startswith(_LOCAL_IMAGE_STARTS):
        return image
    return f'docker://{image}'


def wrap(runtime: str, image: str, argv: list[str], job_variables: Mapping[str, str],
         environ: Mapping[str, str], *, writable: Iterable[str] = (),
         readable: Iterable[str] = ()) -> tuple[list[str], dict[str, str]]:
    """(argv, environment) that run `argv` in `image` with `job_variables` set inside;
    `environ` is what the runtime itself runs with."""
    binds = []
    for paths, suffix in ((writable, ''), (readable, ':ro')):
        for path in dict.fromkeys(paths):  # each once, in order
            if ':' in path or ',' in path:
                raise CannotBind(f'{path} cannot be bound into a container: the runtime reads '
                                 "':' and ',' in a bind as separators")
            binds += ['--bind', f'{path}:{path}{suffix}']
    prefix = _ENV_PREFIXES[_runtime_name(runtime)]
    env = dict(environ)
    env.update((prefix + name, value) for name, value in job_variables.items())
    return [runtime, 'run', '--cleanenv', *binds, image_reference(image), *argv], env


def _runtime_name(runtime: str) -> str:
    name = os.path.basename(runtime)
    return name if name in _ENV_PREFIXES else RUNTIMES[0]
