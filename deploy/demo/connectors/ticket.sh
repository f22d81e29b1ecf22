#!/usr/bin/env bash
# Demo stand-in for a ticketing responder: "opens" a ticket by appending it
# to config.file and answers its number.
job=$(cat)
file=$(jq -r '.config.file' <<<"$job")
n=$(( $( [ -f "$file" ] && wc -l <"$file" || echo 0 ) + 1 ))
jq -c --arg n "SEC-$n" '{ticket: $n, title: .input.title}' <<<"$job" >>"$file"
jq -n --arg n "SEC-$n" '{success: true, full: {ticket: $n}}'
