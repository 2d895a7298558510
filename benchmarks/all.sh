#!/bin/sh
# Every figure of the README's Performance section, from one run: the tables go to docs/benchmark-results.md
# (or the file named as the first argument). Needs the peers once: python benchmarks/run.py --setup
#   sh benchmarks/all.sh                        # 3 interleaved rounds, medians (ROUNDS=1 for a quick look)
set -eu
cd "$(dirname "$0")/.."
py=${PYTHON:-python}
out=${1:-docs/benchmark-results.md}
rounds=${ROUNDS:-3}
k8s=$(mktemp)
trap 'rm -f "$k8s"' EXIT
{
  echo "# Benchmark results"
  echo
  echo "Written by \`sh benchmarks/all.sh\` (started $(date -u '+%Y-%m-%d %H:%M UTC'); run.py: medians of $rounds interleaved"
  echo "rounds; k8s_connectivity.py: the best of $rounds runs), read in docs/benchmarks.md. Each section is one command of it."
  echo
  echo "## 2,000 groups in three layouts, against checkov"
  echo
} >"$out"
"$py" benchmarks/run.py --sizes M --shape flat --shape accounts --shape modules --vs checkov --floors \
  --repeat "$rounds" --markdown "$out"
printf '\n## One root folder, 1,000 to 16,000 groups\n\n' >>"$out"
"$py" benchmarks/run.py --sizes 1000,2000,4000,8000,16000 --shape flat --floors --repeat "$rounds" --markdown "$out"
printf '\n## 50k rules in 20 roots\n\n' >>"$out"
"$py" benchmarks/run.py --sizes L --roots 20 --floors --repeat "$rounds" --markdown "$out"
printf '\n## NetworkPolicy connectivity, against network-config-analyzer\n\n' >>"$out"
"$py" benchmarks/k8s_connectivity.py --sizes 200,800 --repeat "$rounds" --nca benchmarks/.venvs/nca/bin/nca \
  --markdown "$k8s"
tidy() { sed -e '/^# Benchmark/d' -e "s| --markdown $k8s||" "$k8s"; }  # the table under this file's heading
tidy >>"$out"
printf '\n## NetworkPolicy connectivity on a dense cluster\n\n' >>"$out"
"$py" benchmarks/k8s_connectivity.py --generator random --sizes 200 --repeat "$rounds" --nca-repeat "$rounds" \
  --nca benchmarks/.venvs/nca/bin/nca --markdown "$k8s"
tidy >>"$out"
echo "wrote $out" >&2
