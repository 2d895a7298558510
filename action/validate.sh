#!/usr/bin/env bash
# One `palette-policy validate` writes every output: SARIF for code scanning, annotations on stdout (the
# runner reads `::error file=…::` lines), the Markdown summary for the job summary, and an evidence bundle
# when asked. Options left empty are not passed, so the repository's .palette-policy.yaml decides them.
set -uo pipefail
summary="${RUNNER_TEMP:?}/palette-policy-summary.md"
rm -f "$summary"
args=(validate "${PP_PATH:-.}" -o "sarif=${PP_SARIF:?}" -o github=- -o "markdown=$summary")
[ -n "${PP_FAIL_ON:-}" ] && args+=(--fail-on "$PP_FAIL_ON")
[ -n "${PP_CONFIG:-}" ] && args+=(--config "$PP_CONFIG")
[ -n "${PP_EVIDENCE:-}" ] && args+=(--evidence "$PP_EVIDENCE")
for profile in ${PP_PROFILE:-}; do args+=(--profile "$profile"); done
"${PP_BIN:?}" "${args[@]}"
code=$?
if [ -s "$summary" ]; then
  cat "$summary" >> "${GITHUB_STEP_SUMMARY:?}"
elif [ "$code" -ge 2 ]; then
  printf '## palette-policy could not check the network\n\nSee the step log: the input or the options are wrong (exit %s).\n' \
    "$code" >> "${GITHUB_STEP_SUMMARY:?}"
fi
echo "exit-code=$code" >> "${GITHUB_OUTPUT:?}"
