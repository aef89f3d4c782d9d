#!/usr/bin/env bash
# Print the implementation checklist of a maturity level as Markdown: each
# repository item checked against the files (- [x] done, - [ ] missing), then
# what happens outside the repository (AWS stacks, secrets, GitHub settings),
# never ticked: "- [ ] to confirm:" with the command that confirms it.
#
#   scripts/generate-checklist.sh              the current level (config/evolution.yml)
#   scripts/generate-checklist.sh --level 3    another level
#   scripts/generate-checklist.sh --strict     exit 1 when a repository item is missing
#
# Exit codes: 0 printed; 1 with --strict when a repository item is missing; 2 bad usage.
# The items are in ops/src/ops/evolution/checklist.yml, the checks in checklist.py.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
if [ -x "${root}/.venv/bin/python" ]; then
  python=("${root}/.venv/bin/python")
elif command -v uv > /dev/null 2>&1; then
  python=(uv run --project "${root}" --quiet python)
else
  echo "generate-checklist: needs the project's environment: install uv, then run uv sync --all-packages" >&2
  exit 2
fi

cd "${root}"
exec "${python[@]}" -m ops.evolution.checklist "$@"
