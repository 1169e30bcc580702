"""Settings for the benchmarks: production settings plus a URLconf with the bare comparison view."""

from voucherhub.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"
