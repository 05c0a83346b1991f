#!/bin/sh
# Regenerate the hash locks after a change to the dependencies in pyproject.toml (or to upgrade:
# add --upgrade or --upgrade-package NAME to the dev lock's line). pip-tools from
# requirements/tools.lock; run from the repository root with the oldest Python ZT-IX supports.
# The dev lock decides the versions; the runtime and build locks are constrained to it, so the
# versions the pipelines install are the versions the test suite ran with.
set -eu
compile="pip-compile --quiet --generate-hashes --strip-extras --allow-unsafe --no-emit-find-links --no-emit-index-url"
$compile --extra dev --output-file requirements/dev.lock "$@" pyproject.toml
$compile --constraint requirements/dev.lock --output-file requirements/runtime.lock pyproject.toml
$compile --constraint requirements/dev.lock --output-file requirements/build.lock requirements/build.in
$compile --output-file requirements/irrd-test.lock requirements/irrd-test.in
