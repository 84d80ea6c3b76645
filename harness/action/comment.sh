#!/usr/bin/env bash
# The action's comment step (action.yml runs it; test/package/action-yml.test.ts runs it with a recording `gh`):
# keeps one comment on the pull request, found by the marker its body starts with, updated on every run with the
# check's status, so it turns green after a fix. Where the token cannot write - a fork's pull request, or a
# workflow without `pull-requests: write` - it skips the comment with a note in the job summary and exits 0: the
# check's own status already failed or passed the job.
#
# Environment: BODY (the comment body, the check's `comment` output), PR (number), REPO (owner/name), HEAD_REPO
# (the pull request's head repository, owner/name), GH_TOKEN (for gh), GITHUB_STEP_SUMMARY (optional).
set -euo pipefail

summary="${GITHUB_STEP_SUMMARY:-/dev/null}"
note() {
  printf '\n> consul-kv-bench: %s\n' "$*" >> "$summary"
  printf '[consul-kv-bench] %s\n' "$*" >&2
}
[ -f "${BODY:-}" ] || exit 0
recipe='docs/YOUR-REPOSITORY.md, "Pull requests from forks", has a workflow_run job that comments for them'
if [ -n "${HEAD_REPO:-}" ] && [ "$HEAD_REPO" != "$REPO" ]; then
  note "no pull-request comment: this pull request comes from a fork ($HEAD_REPO), whose token cannot write to $REPO; the results are in this summary and the artifact ($recipe)"
  exit 0
fi
marker='<!-- consul-kv-bench pr-check -->'
err="$(mktemp)"
trap 'rm -f "$err"' EXIT
if ! ids="$(gh api "repos/$REPO/issues/$PR/comments" --paginate --jq ".[] | select(.body | startswith(\"$marker\")) | .id" 2> "$err")"; then
  note "no pull-request comment: reading the comments failed ($(head -c 300 "$err" | tr '\n' ' '))"
  exit 0
fi
id="$(printf '%s\n' "$ids" | head -n1)"
if [ -n "$id" ]; then
  gh api --method PATCH "repos/$REPO/issues/comments/$id" -F body=@"$BODY" > /dev/null 2> "$err" || {
    note "no pull-request comment: updating comment $id failed ($(head -c 300 "$err" | tr '\n' ' ')); give the workflow pull-requests: write ($recipe)"
    exit 0
  }
else
  gh api --method POST "repos/$REPO/issues/$PR/comments" -F body=@"$BODY" > /dev/null 2> "$err" || {
    note "no pull-request comment: posting failed ($(head -c 300 "$err" | tr '\n' ' ')); give the workflow pull-requests: write ($recipe)"
    exit 0
  }
fi
