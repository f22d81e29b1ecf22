/*  metrics_svg.h — the MTTR parity chart (fedsoarctl metrics --by-site
    --chart FILE.svg): a self-contained SVG, readable without the console. */
#ifndef FEDSOAR_CLI_METRICS_SVG_H
#define FEDSOAR_CLI_METRICS_SVG_H

#include <jansson.h>
#include <stdio.h>

/* Writes the chart of a metrics.by_site answer (borrowed) to out: a title
   with the window, a legend, and one small multiple per metric (MTTA, MTTC,
   MTTR) with one line per site over the buckets, dates on the x axis and
   durations in human units on the y axis. No script, no external font or
   style sheet. Each site's line is a <g class="series" data-site="SITE">
   holding a <title>. Returns 0, or -1 when out could not be written. */
int cli_metrics_svg_write(FILE *out, const json_t *by_site);

/* A duration in seconds in human units ("45 s", "12.5 min", "3.2 h",
   "2.1 d") into buf. Returns buf. */
const char *cli_duration_human(double seconds, char *buf, size_t size);

#endif
