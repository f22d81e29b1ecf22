#!/usr/bin/env bash
# Demo stand-in for a site's analyzers (exec connector, Cortex-style job on
# stdin): answers from the JSON in its config, so the demo needs no vendor.
#   threat intel: config.malicious lists indicators; every string of the job
#   is checked against it.  Other analyzers: config.reply is the answer.
job=$(cat)
jq -c '
  if .config.malicious then
    (.config.malicious) as $bad
    | ([.input | .. | strings] | unique) as $all
    | [$all[] | select(. as $s | $bad | index($s))] as $hits
    | {success: true, full: {verdict: (if ($hits | length) > 0 then "malicious" else "clean" end),
                             matches: $hits, checked: ($all | length)}}
  else {success: true, full: (.config.reply // {})} end' <<<"$job"
