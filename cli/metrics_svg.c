/*  metrics_svg.c — the MTTR parity chart as one SVG file (metrics_svg.h).

    Written by hand rather than through a plotting library: the chart is a
    few lines and labels, and a file that opens in any browser or image
    viewer, with nothing to fetch, is the point (no script, no web font,
    generic "sans-serif"). Small multiples stacked vertically, one per
    metric, on one shared x axis of buckets; each metric its own y scale,
    with ticks on round human durations (seconds to days). A bucket where a
    site had no case reaching the stamp leaves a gap in its line. */
#include "metrics_svg.h"

#include <math.h>
#include <stdbool.h>
#include <string.h>

#define W 880
#define PANEL_H 210
#define TOP 92   /* title and legend */
#define LEFT 88  /* y labels */
#define RIGHT 24 /* margin */
#define PLOT_H 150
#define NCOLORS 10

/* Tableau 10: distinct on screen and in print. */
static const char *const colors[NCOLORS] = {"#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f",
                                            "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};
static const char *const metric_keys[3] = {"mtta_s", "mttc_s", "mttr_s"};
static const char *const metric_titles[3] = {
    "MTTA: mean time to acknowledge", "MTTC: mean time to contain", "MTTR: mean time to resolve"};

const char *cli_duration_human(double s, char *buf, size_t size)
{
    if (s < 90)
        snprintf(buf, size, "%.0f s", s);
    else if (s < 90 * 60)
        snprintf(buf, size, "%.1f min", s / 60);
    else if (s < 48 * 3600)
        snprintf(buf, size, "%.1f h", s / 3600);
    else
        snprintf(buf, size, "%.1f d", s / 86400);
    return buf;
}

/* A tick label: whole units where the step allows. */
static const char *tick_label(double s, char *buf, size_t size)
{
    if (s == 0)
        snprintf(buf, size, "0");
    else if (s < 60)
        snprintf(buf, size, "%g s", s);
    else if (s < 3600)
        snprintf(buf, size, "%g min", s / 60);
    else if (s < 86400)
        snprintf(buf, size, "%g h", s / 3600);
    else
        snprintf(buf, size, "%g d", s / 86400);
    return buf;
}

/* The smallest round step that draws at most 5 ticks above 0 for max. */
static double tick_step(double max)
{
    static const double steps[] = {1,     2,     5,      10,     15,     30,      60,     120,
                                   300,   600,   900,    1800,   3600,   7200,    10800,  21600,
                                   43200, 86400, 172800, 432000, 604800, 1209600, 2592000};
    for (size_t i = 0; i < sizeof steps / sizeof steps[0]; i++)
        if (max / steps[i] <= 5)
            return steps[i];
    return ceil(max / 5 / 2592000) * 2592000;
}

static void xml_text(FILE *out, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '&':
            fputs("&amp;", out);
            break;
        case '<':
            fputs("&lt;", out);
            break;
        case '>':
            fputs("&gt;", out);
            break;
        case '"':
            fputs("&quot;", out);
            break;
        case '\'':
            fputs("&apos;", out);
            break;
        default:
            if ((unsigned char)*s >= 0x20 || *s == '\t')
                fputc(*s, out);
        }
    }
}

static const char *str(const json_t *o, const char *k)
{
    const char *s = json_string_value(json_object_get(o, k));
    return s ? s : "";
}

static double x_of(size_t i, size_t n)
{
    double plot_w = W - LEFT - RIGHT;
    return n <= 1 ? LEFT + plot_w / 2 : LEFT + plot_w * (double)i / (double)(n - 1);
}

static void panel(FILE *out, const json_t *r, int m, int y0)
{
    const json_t *sites = json_object_get(r, "sites"), *buckets = json_object_get(r, "buckets");
    size_t nb = json_array_size(buckets), i, b;
    const json_t *site;
    double max = 0;
    json_array_foreach(sites, i, site)
    {
        const json_t *pt;
        json_array_foreach(json_object_get(site, "series"), b, pt)
        {
            double v = json_number_value(json_object_get(pt, metric_keys[m]));
            max = v > max ? v : max;
        }
    }
    double step = tick_step(max > 0 ? max : 60), top = step * ceil((max > 0 ? max : 60) / step);
    int base = y0 + 30 + PLOT_H;
    fprintf(out, "<g class=\"panel\" data-metric=\"%.4s\">\n", metric_keys[m]);
    fprintf(out, "<text x=\"%d\" y=\"%d\" font-size=\"14\" font-weight=\"bold\">%s</text>\n", LEFT,
            y0 + 18, metric_titles[m]);
    /* y axis: gridlines and round durations */
    char label[32];
    for (double t = 0; t <= top + step / 2; t += step) {
        double y = base - PLOT_H * t / top;
        fprintf(out,
                "<line x1=\"%d\" y1=\"%.1f\" x2=\"%d\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                "<text x=\"%d\" y=\"%.1f\" font-size=\"11\" text-anchor=\"end\">%s</text>\n",
                LEFT, y, W - RIGHT, y, LEFT - 6, y + 4, tick_label(t, label, sizeof label));
    }
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT, base,
            W - RIGHT, base);
    fprintf(out, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#333\"/>\n", LEFT, y0 + 30,
            LEFT, base);
    /* x axis: the bucket's first day, at most about 12 labels */
    size_t every = nb > 12 ? (nb + 11) / 12 : 1;
    const json_t *bk;
    json_array_foreach(buckets, b, bk)
    {
        double x = x_of(b, nb);
        fprintf(out, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#333\"/>\n", x,
                base, x, base + 4);
        if (b % every == 0)
            fprintf(out,
                    "<text x=\"%.1f\" y=\"%d\" font-size=\"10\" text-anchor=\"middle\">%s</text>\n",
                    x, base + 16, strlen(str(bk, "from")) == 10 ? str(bk, "from") + 5 : "");
    }
    /* one line per site; a bucket without a value breaks it */
    json_array_foreach(sites, i, site)
    {
        const char *color = colors[i % NCOLORS];
        const char *dash = i >= NCOLORS ? " stroke-dasharray=\"6 3\"" : "";
        fputs("<g class=\"series\" data-site=\"", out);
        xml_text(out, str(site, "site"));
        fprintf(out, "\" stroke=\"%s\" fill=\"%s\"><title>", color, color);
        xml_text(out, str(site, "site"));
        fprintf(out, " %s</title>\n<path fill=\"none\" stroke-width=\"2\"%s d=\"", metric_titles[m],
                dash);
        bool pen = false;
        const json_t *pt;
        json_array_foreach(json_object_get(site, "series"), b, pt)
        {
            const json_t *v = json_object_get(pt, metric_keys[m]);
            if (!json_is_number(v)) {
                pen = false;
                continue;
            }
            fprintf(out, "%s%.1f %.1f ", pen ? "L" : "M", x_of(b, nb),
                    base - PLOT_H * json_number_value(v) / top);
            pen = true;
        }
        fputs("\"/>\n", out);
        json_array_foreach(json_object_get(site, "series"), b, pt)
        {
            const json_t *v = json_object_get(pt, metric_keys[m]);
            if (json_is_number(v))
                fprintf(out,
                        "<circle cx=\"%.1f\" cy=\"%.1f\" r=\"3\"><title>%s %s</title></circle>\n",
                        x_of(b, nb), base - PLOT_H * json_number_value(v) / top,
                        str(json_array_get(buckets, b), "from"),
                        cli_duration_human(json_number_value(v), label, sizeof label));
        }
        fputs("</g>\n", out);
    }
    fputs("</g>\n", out);
}

int cli_metrics_svg_write(FILE *out, const json_t *r)
{
    const json_t *sites = json_object_get(r, "sites");
    int h = TOP + 3 * PANEL_H + 20;
    fprintf(out,
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%d\" height=\"%d\" "
            "viewBox=\"0 0 %d %d\" font-family=\"sans-serif\">\n"
            "<rect width=\"100%%\" height=\"100%%\" fill=\"#fff\"/>\n",
            W, h, W, h);
    fputs("<text x=\"16\" y=\"26\" font-size=\"17\" font-weight=\"bold\">MTTR parity by site, "
          "window ",
          out);
    xml_text(out, str(r, "window"));
    fprintf(out, " (%s to %s, per %s)</text>\n", str(r, "from"), str(r, "to"), str(r, "bucket"));
    fputs("<text x=\"16\" y=\"46\" font-size=\"11\" fill=\"#555\">cases created in each "
          "bucket; the mean over those that reached the stamp (UTC days)</text>\n",
          out);
    /* legend */
    size_t i;
    const json_t *site;
    int x = 16;
    json_array_foreach(sites, i, site)
    {
        const char *color = colors[i % NCOLORS];
        fprintf(out,
                "<g class=\"legend\"><line x1=\"%d\" y1=\"68\" x2=\"%d\" y2=\"68\" stroke=\"%s\" "
                "stroke-width=\"3\"%s/><text x=\"%d\" y=\"72\" font-size=\"12\">",
                x, x + 20, color, i >= NCOLORS ? " stroke-dasharray=\"6 3\"" : "", x + 25);
        xml_text(out, str(site, "site"));
        fputs("</text></g>\n", out);
        x += 40 + 7 * (int)strlen(str(site, "site"));
    }
    if (json_array_size(sites) == 0)
        fputs("<text x=\"16\" y=\"72\" font-size=\"12\">no case was created in the window</text>\n",
              out);
    for (int m = 0; m < 3; m++)
        panel(out, r, m, TOP + m * PANEL_H);
    fputs("</svg>\n", out);
    return ferror(out) ? -1 : 0;
}
