#!/usr/bin/env bash
# Whether the SARIF upload can work. Pull requests from forks (and Dependabot's) get a read-only token
# without security-events: write, so the upload is skipped with a notice instead of failing the job.
set -euo pipefail
upload=true
reason=""
if [ "${PP_UPLOAD:-true}" != "true" ]; then
  upload=false
elif [ ! -s "${PP_SARIF:?}" ]; then
  upload=false reason="no SARIF file was written"
elif [ "${GITHUB_ACTOR:-}" = "dependabot[bot]" ]; then
  upload=false reason="Dependabot's token cannot write security events"
elif [ -n "${GITHUB_EVENT_PATH:-}" ] && [ -f "$GITHUB_EVENT_PATH" ]; then
  head_repo="$("${PP_PYTHON_BIN:-python3}" -c 'import json, sys
event = json.load(open(sys.argv[1], encoding="utf-8"))
print(((event.get("pull_request") or {}).get("head") or {}).get("repo", {}).get("full_name") or "")' "$GITHUB_EVENT_PATH")"
  if [ -n "$head_repo" ] && [ "$head_repo" != "${GITHUB_REPOSITORY:-}" ]; then
    upload=false reason="a pull request from the fork $head_repo gets a token without security-events: write"
  fi
fi
if [ -n "$reason" ]; then
  echo "::notice title=palette-policy::SARIF upload skipped: $reason; the findings are in the annotations and the job summary"
fi
echo "upload=$upload" >> "${GITHUB_OUTPUT:?}"
