#!/usr/bin/env bash
# Composes the PR comment that compares the offline plans of a base and a PR checkout.
#   tools/plan-diff.sh <base-dir> <pr-dir> <out-dir>
# Each checkout must already hold out/<stack>/ from `npm run plan -- <stack>`, and <out-dir> the
# plan printouts base-<stack>.txt and pr-<stack>.txt (a failed plan's output ends with "(no plan: ...)"),
# and, when the offline policy run happened, policy-pr-<stack>.txt and policy-base-<stack>.txt (the
# base branch's pack on each side's records). Writes <out-dir>/comment.md, <stack>.diff, and
# new-mandatory.txt: the mandatory findings of the PR's plans that the base's plans do not have.
set -euo pipefail
base=$1 pr=$2 out=$3
limit=${PLAN_DIFF_LIMIT:-28000}
mkdir -p "$out"
mandatory() { grep -E '^  mandatory ' "$1" 2>/dev/null | sed 's/: .*//' | sort -u || true; }
: > "$out/new-mandatory.txt"
{
  echo "### Offline plan diff"
  echo
  echo "Computed by this pull request's own code under mocks (no credentials; values only AWS knows are"
  echo "placeholders), so it is evidence to read, not a review signal: a PR can change what it prints."
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
    if grep -q '^(no plan: ' "$out/pr-$stack.txt" 2>/dev/null; then
      echo
      echo "<details><summary>the PR's plan of $stack failed: its last lines</summary>"
      echo
      echo '```'
      tail -n 40 "$out/pr-$stack.txt" | head -c "$limit"
      echo '```'
      echo "</details>"
    fi
    if [ -f "$out/policy-pr-$stack.txt" ]; then
      new=$(comm -13 <(mandatory "$out/policy-base-$stack.txt") <(mandatory "$out/policy-pr-$stack.txt"))
      [ -z "$new" ] || printf '%s\n' "$new" | sed "s/^  mandatory /$stack /" >> "$out/new-mandatory.txt"
      echo
      echo "Policy, judged offline by the base branch's pack: $(head -n 1 "$out/policy-pr-$stack.txt")"
      if [ -n "$new" ]; then
        echo
        echo "**New mandatory findings against the base's plan:**"
        printf '%s\n' "$new" | sed 's/^  mandatory /- /'
      fi
      echo
      echo "<details><summary>findings on the PR's plan of $stack</summary>"
      echo
      echo '```'
      head -c "$limit" "$out/policy-pr-$stack.txt"
      echo '```'
      echo "</details>"
    fi
  done
} > "$out/comment.md"
