#!/usr/bin/env bash
# Install palette-policy into its own virtual environment under $RUNNER_TEMP: the caller's Python and PATH
# stay as they were. PP_VERSION pins a release from PyPI ("0.2.0"); empty installs this action's own source.
set -euo pipefail
case "${PP_MODE:-validate}" in
  validate | diff) ;;
  *) echo "::error title=palette-policy::mode must be validate or diff, not '${PP_MODE}'"; exit 2 ;;
esac
venv="${RUNNER_TEMP:?}/palette-policy-venv"
python="${PP_PYTHON:-python3}"
if [ -n "${PP_VERSION:-}" ]; then
  spec="palette-policy==${PP_VERSION#v}"
else
  spec="${GITHUB_ACTION_PATH:?}"
fi
bin="$venv/bin/palette-policy"
if [ -x "$bin" ] && { [ -z "${PP_VERSION:-}" ] || [ "$("$bin" --version)" = "palette-policy ${PP_VERSION#v}" ]; }; then
  echo "palette-policy already installed in $venv"
else
  "$python" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
  "$venv/bin/python" -m pip install --quiet "$spec"
fi
"$bin" --version
echo "bin=$bin" >> "${GITHUB_OUTPUT:?}"
echo "python=$venv/bin/python" >> "${GITHUB_OUTPUT:?}"
