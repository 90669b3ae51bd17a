#!/usr/bin/env bash
# Composes the PR comment that compares the offline plans of a base and a PR checkout.
#   tools/plan-diff.sh <base-dir> <pr-dir> <out-dir>
# Each checkout must already hold out/<stack>/ from `npm run plan -- <stack>`, and <out-dir> the
# plan printouts base-<stack>.txt and pr-<stack>.txt. Writes <out-dir>/comment.md and <stack>.diff.
set -euo pipefail
base=$1 pr=$2 out=$3
limit=${PLAN_DIFF_LIMIT:-28000}
mkdir -p "$out"
{
  echo "### Offline plan diff"
  echo
  echo "Evaluated under the mock engine: no credentials; values only AWS knows are placeholders."
  for stack in dev prod; do
    status=0
    diff -ru --label "base/$stack" --label "pr/$stack" "$base/out/$stack" "$pr/out/$stack" > "$out/$stack.diff" 2>&1 || status=$?
    summary_pr=$(grep -Eo '^[0-9]+ resources' "$out/pr-$stack.txt" 2>/dev/null | head -1 || true)
    summary_base=$(grep -Eo '^[0-9]+ resources' "$out/base-$stack.txt" 2>/dev/null | head -1 || true)
    echo
    if [ "$status" -eq 0 ]; then
      echo "#### \`$stack\`: no changes (${summary_pr:-?})"
    else
      echo "#### \`$stack\`: changes (${summary_base:-no plan} → ${summary_pr:-no plan})"
      echo
      echo "<details><summary>diff of out/$stack</summary>"
      echo
      echo '```diff'
      head -c "$limit" "$out/$stack.diff"
      echo
      if [ "$(wc -c < "$out/$stack.diff")" -gt "$limit" ]; then
        echo "... (truncated; the whole diff is in the plan-diff artifact)"
      fi
      echo '```'
      echo "</details>"
    fi
  done
} > "$out/comment.md"
