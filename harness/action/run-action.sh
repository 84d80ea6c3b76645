#!/usr/bin/env bash
# The consul-kv-bench GitHub Action's steps (action.yml runs this; test/package/action.test.ts runs it locally).
# Measures the user's client module on the base branch and on the pull request in alternating rounds, compares
# them, gates the head on the budgets file, writes the job summary, JUnit and the comment body (CKB_OUT/comment.md,
# its status first, pass or fail), which action.yml posts or updates. Exit 0 every budget holds, 1 a budget failed,
# 2 bad input. Outputs (GITHUB_OUTPUT): out (written first, so the reports are kept even on an early failure);
# then passed (true/false; absent when the check did not finish), head-report, base-report, junit, comment.
#
# Environment (action.yml maps its inputs onto these):
#   CKB_HEAD_DIR     the pull request's checkout, or a folder of it (default: the current directory, which is the
#                    action's working-directory)
#   CKB_BASE_DIR     the base branch's checkout; when unset, one is made with `git worktree` from CKB_BASE_REF in a
#                    temporary folder outside CKB_OUT (so the artifact holds reports only), removed on exit
#   CKB_BASE_REF     the base branch (default: $GITHUB_BASE_REF)
#   CKB_CLIENT       the client module, relative to each checkout (default consul-kv-bench/consul-kv-client.ts)
#   CKB_BUDGETS      the budgets file, relative to the head checkout (default consul-kv-bench/budgets.yml)
#   CKB_SCENARIOS    comma-separated scenarios (default light,network-stall)
#   CKB_ROUNDS       alternating rounds (default 3); CKB_REPEAT runs per row a round (default 2)
#   CKB_DURATION     measured time per row of the steady scenarios, 2, 2s, 1m (default: each scenario's quick block)
#   CKB_CONSUL       where Consul comes from: local (default), container, external, auto (see run --help)
#   CKB_HISTORY_FAIL true: a regression against the history fails the check (pr-check --history-fail)
#   CKB_OUT          output directory (default $RUNNER_TEMP/consul-kv-bench or ./consul-kv-bench-out)
#   CKB_INSTALL      1 (default) runs `npm ci` in a base checkout that has a package-lock.json; 0 skips it
#   CKB_HISTORY      a history file (JSON lines): the head is judged against the rolling median of its runs
#   CKB_HISTORY_ON   true: CKB_HISTORY defaults to ~/.cache/consul-kv-bench-history/history.jsonl (action.yml caches it)
#   CKB_PR           the pull request's number, written to CKB_OUT/pull-request (docs/YOUR-REPOSITORY.md, forks)
#   CKB_RECORD       1: a run on the default branch: the head alone is measured, gated and appended to CKB_HISTORY
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"   # the consul-kv-bench package
head_dir="$(cd "${CKB_HEAD_DIR:-.}" && pwd)"
out="${CKB_OUT:-${RUNNER_TEMP:-$head_dir}/consul-kv-bench-out}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
log() { printf '[consul-kv-bench] %s\n' "$*" >&2; }
output() { echo "$1=$2" >> "${GITHUB_OUTPUT:-/dev/null}"; }
# this run's comment and JUnit only: never a previous run's left in a reused folder
rm -f "$out/comment.md" "$out/junit.xml" "$out/pull-request"
output out "$out"
# the pull request's number beside comment.md, for a workflow_run job that comments on forks' pull requests
[ -n "${CKB_PR:-}" ] && echo "$CKB_PR" > "$out/pull-request"

# The CLI: the compiled package when installed; built first when the action runs from a checkout of its repository.
if [ ! -f "$here/dist/harness/bin.js" ]; then
  log "building consul-kv-bench in $here"
  (cd "$here" && npm ci --no-audit --no-fund && npm run build)
fi
cli() { node "$here/dist/harness/bin.js" "$@"; }

if [ "${CKB_HISTORY_ON:-false}" = true ]; then
  CKB_HISTORY="${CKB_HISTORY:-$HOME/.cache/consul-kv-bench-history/history.jsonl}"
fi
base_dir="${CKB_BASE_DIR:-}"
if [ "${CKB_RECORD:-0}" = 1 ]; then
  base_dir=""
elif [ -z "$base_dir" ]; then
  base_ref="${CKB_BASE_REF:-${GITHUB_BASE_REF:-}}"
  if [ -z "$base_ref" ]; then
    log "no base branch: set CKB_BASE_REF (or run on a pull_request event)"
    exit 2
  fi
  base_tree="$(mktemp -d "${RUNNER_TEMP:-${TMPDIR:-/tmp}}/consul-kv-bench-base.XXXXXX")"
  trap 'git -C "$head_dir" worktree remove --force "$base_tree" 2>/dev/null || rm -rf "$base_tree"' EXIT
  git -C "$head_dir" fetch --no-tags --depth=1 origin "$base_ref"
  git -C "$head_dir" worktree add --force --detach "$base_tree" FETCH_HEAD
  # the head may be a folder of the repository (the action's working-directory): the base is the same folder
  base_dir="$base_tree/$(git -C "$head_dir" rev-parse --show-prefix)"
fi
if [ -n "$base_dir" ] && [ "${CKB_INSTALL:-1}" = 1 ] && [ -f "$base_dir/package-lock.json" ] && [ ! -d "$base_dir/node_modules" ]; then
  log "installing the base checkout's dependencies (its client may import them)"
  (cd "$base_dir" && npm ci --no-audit --no-fund --ignore-scripts)
fi

cli provision >&2
status=0
extra=()
[ -n "$base_dir" ] && extra+=(--base "$base_dir")
[ -n "${CKB_HISTORY:-}" ] && extra+=(--history "$CKB_HISTORY")
[ "${CKB_RECORD:-0}" = 1 ] && [ -n "${CKB_HISTORY:-}" ] && extra+=(--record)
[ -n "${CKB_DURATION:-}" ] && extra+=(--duration "$CKB_DURATION")
[ "${CKB_HISTORY_FAIL:-false}" = true ] && extra+=(--history-fail)
cli pr-check "${extra[@]}" \
  --head "$head_dir" \
  --client "${CKB_CLIENT:-consul-kv-bench/consul-kv-client.ts}" \
  --budgets "${CKB_BUDGETS:-consul-kv-bench/budgets.yml}" \
  --scenarios "${CKB_SCENARIOS:-light,network-stall}" \
  --rounds "${CKB_ROUNDS:-3}" --repeat "${CKB_REPEAT:-2}" --consul "${CKB_CONSUL:-local}" \
  --out "$out" --comment "$out/comment.md" --junit "$out/junit.xml" || status=$?
if [ "$status" = 0 ]; then output passed true; else output passed false; fi
[ -f "$out/head/report.json" ] && output head-report "$out/head/report.json"
[ -f "$out/base/report.json" ] && output base-report "$out/base/report.json"
[ -f "$out/junit.xml" ] && output junit "$out/junit.xml"
[ -f "$out/comment.md" ] && output comment "$out/comment.md"
exit "$status"
