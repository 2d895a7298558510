#!/usr/bin/env bash
# Pull requests: compare the scanned folder with the same folder at the base branch, print the table in the
# log and post the Markdown to the job summary. Exit code: 1 when the change breaks a required path (or adds
# a finding at or above --fail-on), 2 when it cannot run.
set -uo pipefail
base="${PP_BASE_REF:-}"
if [ -z "$base" ]; then
  echo "::error title=palette-policy::diff mode needs a base: run it on pull_request or set base-ref"
  echo "exit-code=2" >> "${GITHUB_OUTPUT:?}"
  exit 0
fi
ref="$base"
if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
  ref="refs/remotes/origin/$base"
  if ! git rev-parse --verify --quiet "$ref^{commit}" >/dev/null; then
    git fetch --no-tags --depth=1 origin "+refs/heads/$base:$ref" >&2 || true
  fi
fi
summary="${RUNNER_TEMP:?}/palette-policy-diff.md"
rm -f "$summary"
args=(diff --git-base "$ref" "${PP_PATH:-.}" -o table=- -o "markdown=$summary")
[ -n "${PP_FAIL_ON:-}" ] && args+=(--fail-on "$PP_FAIL_ON")
[ -n "${PP_CONFIG:-}" ] && args+=(--config "$PP_CONFIG")
for profile in ${PP_PROFILE:-}; do args+=(--profile "$profile"); done
"${PP_BIN:?}" "${args[@]}"
code=$?
[ -s "$summary" ] && cat "$summary" >> "${GITHUB_STEP_SUMMARY:?}"
echo "exit-code=$code" >> "${GITHUB_OUTPUT:?}"
