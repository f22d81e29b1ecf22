/*  bpmn.c — a playbook as BPMN 2.0 XML with diagram interchange
    (playbook_bpmn.h; the mapping: docs/playbooks.md "BPMN export").

    Two passes. The first walks the validated document and builds a graph
    of flow nodes and sequence flows, laying it out as it goes: every list
    of steps, every step and every branch is a *block*, built at its own
    origin (the nodes and flows made while building it are one contiguous
    range of the graph's arrays) and then shifted into place by its
    parent, which draws the flows between its children once they sit where
    they belong. The second pass writes the XML: the process (flow nodes,
    sub-processes nested, sequence flows) and the diagram (a shape per flow
    node, an edge per sequence flow). No hash table, no clock, no locale:
    the same document gives the same bytes. */
#include "playbook_bpmn.h"

#include "bpmn_graph.h"
#include "playbooks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The layout (px): gaps and paddings; sizes are bpmn_graph.h's. */
enum {
    GATE = BPMN_GATE,
    EVENT = BPMN_EVENT,
    GAP_X = 50,     /* between two blocks of a line */
    GAP_Y = 40,     /* between two stacked branches */
    PAD = 30,       /* inside an expanded sub-process */
    PAD_TOP = 40,   /* room for the sub-process's own label */
    ZONE_GAP = 40,  /* from an activity to its error path below */
    ZONE_X = 110,   /* where an error path starts, from the activity's left */
    MARGIN = 60,    /* around the whole diagram */
    COND_GAP = 140, /* after a condition's split, where its label goes */
    LABEL_MAX = 80, /* bytes of a jq condition in a flow's name */
};

/* A block: the nodes [n0, n1) and flows [f0, f1) made while building it,
   its size, its main line's y, and the nodes a flow enters and leaves it
   by (-1: an empty list of steps). */
typedef struct block {
    size_t n0, n1, f0, f1;
    int w, h, mid;
    int entry, exit;
} block_t;

const char *playbook_bpmn_id(const char *step_id, char *out, size_t size)
{
    bool letter = step_id[0] >= 'a' && step_id[0] <= 'z';
    snprintf(out, size, "%s%s", letter ? "" : "_", step_id);
    return out;
}

/* A step's element id ("<id>" made an NCName) with a suffix (".join"). */
static char *step_xml_id(const json_t *step, const char *suffix)
{
    char id[32];
    playbook_bpmn_id(json_string_value(json_object_get(step, "id")), id, sizeof id);
    return fs_xasprintf("%s%s", id, suffix ? suffix : "");
}

/* A duration as ISO 8601 (xsd:duration), the largest exact unit. */
static void iso_duration(const json_t *v, char *out, size_t size)
{
    int64_t ms = 0;
    playbook_duration_ms(v, &ms);
    if (ms > 0 && ms % 86400000 == 0)
        snprintf(out, size, "P%lldD", (long long)(ms / 86400000));
    else if (ms > 0 && ms % 3600000 == 0)
        snprintf(out, size, "PT%lldH", (long long)(ms / 3600000));
    else if (ms > 0 && ms % 60000 == 0)
        snprintf(out, size, "PT%lldM", (long long)(ms / 60000));
    else if (ms % 1000 == 0)
        snprintf(out, size, "PT%lldS", (long long)(ms / 1000));
    else
        snprintf(out, size, "PT%lld.%03lldS", (long long)(ms / 1000), (long long)(ms % 1000));
}

/* The text of a duration as the playbook wrote it ("4h", 30 → "30s"). */
static void duration_text(const json_t *v, char *out, size_t size)
{
    if (json_is_integer(v))
        snprintf(out, size, "%llds", (long long)json_integer_value(v));
    else
        snprintf(out, size, "%s", json_string_value(v) ? json_string_value(v) : "?");
}

/* At most LABEL_MAX bytes of s, cut on a character boundary, "…" after. */
static char *label_of(const char *s)
{
    size_t n = strlen(s);
    if (n <= LABEL_MAX)
        return fs_xstrdup(s);
    size_t cut = LABEL_MAX - 3;
    while (cut > 0 && ((unsigned char)s[cut] & 0xc0) == 0x80)
        cut--;
    char *t = fs_xmalloc(cut + 4);
    memcpy(t, s, cut);
    memcpy(t + cut, "\xe2\x80\xa6", 4);
    return t;
}

static char *compact(const json_t *v)
{
    char *t = json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY);
    return t ? t : fs_xstrdup("null");
}

#define RIGHT(n) ((n)->x + (n)->w)
#define BOTTOM(n) ((n)->y + (n)->h)
#define CX(n) ((n)->x + (n)->w / 2)
#define LINE(n) ((n)->y + (n)->line)

/* Routes, orthogonal. Along a line: right side to left side (an elbow
   half-way when the two main lines differ). */
static int connect(graph_t *g, int a, int b)
{
    int fi = bpmn_flow_add(g, a, b);
    flow_t *f = &g->flows[fi];
    const node_t *s = &g->nodes[a], *d = &g->nodes[b];
    bpmn_point(f, RIGHT(s), LINE(s));
    if (LINE(s) != LINE(d)) {
        int mx = (RIGHT(s) + d->x) / 2;
        bpmn_point(f, mx, LINE(s));
        bpmn_point(f, mx, LINE(d));
    }
    bpmn_point(f, d->x, LINE(d));
    return fi;
}

/* Out of a's bottom, down to b's main line, right into b. */
static int connect_down(graph_t *g, int a, int b)
{
    int fi = bpmn_flow_add(g, a, b);
    flow_t *f = &g->flows[fi];
    const node_t *s = &g->nodes[a], *d = &g->nodes[b];
    bpmn_point(f, CX(s), BOTTOM(s));
    bpmn_point(f, CX(s), LINE(d));
    bpmn_point(f, d->x, LINE(d));
    return fi;
}

/* Out of a's right side, right to b's middle, up into b's bottom. */
static int connect_up(graph_t *g, int a, int b)
{
    int fi = bpmn_flow_add(g, a, b);
    flow_t *f = &g->flows[fi];
    const node_t *s = &g->nodes[a], *d = &g->nodes[b];
    bpmn_point(f, RIGHT(s), LINE(s));
    bpmn_point(f, CX(d), LINE(s));
    bpmn_point(f, CX(d), BOTTOM(d));
    return fi;
}

/* Out of a's bottom, down to y, right under b, up into b's bottom. */
static int connect_under(graph_t *g, int a, int b, int y)
{
    int fi = bpmn_flow_add(g, a, b);
    flow_t *f = &g->flows[fi];
    const node_t *s = &g->nodes[a], *d = &g->nodes[b];
    bpmn_point(f, CX(s), BOTTOM(s));
    bpmn_point(f, CX(s), y);
    bpmn_point(f, CX(d), y);
    bpmn_point(f, CX(d), BOTTOM(d));
    return fi;
}

static void shift(graph_t *g, const block_t *b, int dx, int dy)
{
    for (size_t i = b->n0; i < b->n1; i++) {
        g->nodes[i].x += dx;
        g->nodes[i].y += dy;
    }
    for (size_t i = b->f0; i < b->f1; i++)
        for (int k = 0; k < g->flows[i].npts; k++) {
            g->flows[i].pts[k][0] += dx;
            g->flows[i].pts[k][1] += dy;
        }
}

static block_t begin(const graph_t *g)
{
    return (block_t){.n0 = g->n, .f0 = g->nf, .entry = -1, .exit = -1};
}

static void end(const graph_t *g, block_t *b)
{
    b->n1 = g->n;
    b->f1 = g->nf;
}

/* A block of one node at the origin. */
static block_t single(graph_t *g, int node)
{
    block_t b = {.n0 = (size_t)node, .f0 = g->nf, .entry = node, .exit = node};
    end(g, &b);
    b.w = g->nodes[node].w;
    b.h = g->nodes[node].h;
    b.mid = g->nodes[node].line;
    return b;
}

/* Blocks already built since `line` began, placed left to right on one
   main line and joined by flows. Empty blocks take no room. */
static block_t lay_line(graph_t *g, block_t line, block_t *parts, size_t count)
{
    for (size_t i = 0; i < count; i++)
        if (parts[i].entry >= 0 && parts[i].mid > line.mid)
            line.mid = parts[i].mid;
    int x = 0, prev = -1;
    for (size_t i = 0; i < count; i++) {
        if (parts[i].entry < 0)
            continue;
        int top = line.mid - parts[i].mid;
        shift(g, &parts[i], x, top);
        if (top + parts[i].h > line.h)
            line.h = top + parts[i].h;
        x += parts[i].w + GAP_X;
        if (prev >= 0)
            connect(g, prev, parts[i].entry);
        else
            line.entry = parts[i].entry;
        prev = parts[i].exit;
    }
    line.w = x > 0 ? x - GAP_X : 0;
    line.exit = prev;
    end(g, &line);
    return line;
}

static block_t build_step(graph_t *g, const json_t *step, int parent);

static block_t build_steps(graph_t *g, const json_t *steps, int parent)
{
    block_t line = begin(g);
    size_t count = json_array_size(steps);
    block_t *parts = fs_xcalloc(count ? count : 1, sizeof *parts);
    for (size_t i = 0; i < count; i++)
        parts[i] = build_step(g, json_array_get(steps, i), parent);
    line = lay_line(g, line, parts, count);
    free(parts);
    return line;
}

/* ---- steps ----------------------------------------------------------------------- */

static const char *title_of(const json_t *step)
{
    const char *t = json_string_value(json_object_get(step, "title"));
    return t && *t ? t : json_string_value(json_object_get(step, "id"));
}

/* The documentation of a step: what BPMN has no attribute for, as text. */
static char *step_doc(const json_t *step)
{
    sbuf_t b = {0};
    const char *type = json_string_value(json_object_get(step, "type"));
    bpmn_sb_printf(&b, "fedsoar step %s (%s)", json_string_value(json_object_get(step, "id")),
                   type);
    static const char *const fields[] = {"analyzer", "responder", "site",  "input",   "command",
                                         "foreach",  "critical",  "role",  "quorum",  "on_timeout",
                                         "reason",   "case",      "if",    "items",   "duration",
                                         "name",     "timeout",   "retry", "on_error"};
    for (size_t i = 0; i < sizeof fields / sizeof *fields; i++) {
        const json_t *v = json_object_get(step, fields[i]);
        if (!v || (strcmp(fields[i], "on_error") == 0 && json_is_array(v)))
            continue;
        char *t = json_is_string(v) ? fs_xstrdup(json_string_value(v)) : compact(v);
        bpmn_sb_printf(&b, "\n%s: %s", fields[i], t);
        free(t);
    }
    if (json_is_array(json_object_get(step, "on_error")))
        bpmn_sb_puts(&b, "\non_error: the steps below it");
    return b.s;
}

static int step_node(graph_t *g, const json_t *step, char *id, const char *tag, shape_t shape,
                     int parent)
{
    int n = bpmn_node_add(g, id, title_of(step), tag, shape, parent);
    g->nodes[n].doc = step_doc(step);
    return n;
}

static bool is_type(const json_t *step, const char *type)
{
    return strcmp(json_string_value(json_object_get(step, "type")), type) == 0;
}

/* condition / parallel: a split gateway, the branches stacked below one
   another (the first on the main line), a join gateway. An empty branch is
   one flow from split to join. */
static block_t build_gateways(graph_t *g, const json_t *step, int parent, char *split_id)
{
    block_t blk = begin(g);
    bool cond = is_type(step, "condition");
    const char *tag = cond ? "exclusiveGateway" : "parallelGateway";
    int split = step_node(g, step, split_id, tag, SHAPE_GATE, parent);
    const json_t *lists[16];
    size_t count = 0;
    if (cond) {
        lists[count++] = json_object_get(step, "then");
        lists[count++] = json_object_get(step, "else");
    } else {
        for (; count < json_array_size(json_object_get(step, "branches")) && count < 16; count++)
            lists[count] = json_array_get(json_object_get(step, "branches"), count);
    }
    block_t br[16] = {{0}};
    int bw = 0;
    for (size_t k = 0; k < count; k++) {
        br[k] = build_steps(g, lists[k], parent);
        bw = br[k].w > bw ? br[k].w : bw;
    }
    int join = bpmn_node_add(g, step_xml_id(step, ".join"), NULL, tag, SHAPE_GATE, parent);
    blk.mid = count > 0 && br[0].entry >= 0 && br[0].mid > GATE / 2 ? br[0].mid : GATE / 2;
    node_t *sn = &g->nodes[split], *jn = &g->nodes[join];
    sn->y = jn->y = blk.mid - GATE / 2;
    int x0 = GATE + (cond ? COND_GAP : GAP_X); /* room for the condition's label */
    jn->x = x0 + bw + GAP_X;
    int cursor = blk.mid + GATE / 2, row[16];
    for (size_t k = 0; k < count; k++) {
        int top = k == 0 ? blk.mid - (br[k].entry >= 0 ? br[k].mid : 0) : cursor + GAP_Y;
        if (br[k].entry >= 0) {
            shift(g, &br[k], x0, top);
            row[k] = top + br[k].mid;
            int bottom = top + br[k].h;
            cursor = bottom > cursor ? bottom : cursor;
        } else {
            row[k] = k == 0 ? blk.mid : top + 10;
            cursor = k == 0 ? cursor : top + 20;
        }
    }
    for (size_t k = 0; k < count; k++) {
        int in;
        if (br[k].entry < 0) {
            in = k == 0 ? connect(g, split, join) : connect_under(g, split, join, row[k]);
        } else {
            in = k == 0 ? connect(g, split, br[k].entry) : connect_down(g, split, br[k].entry);
            if (k == 0)
                connect(g, br[k].exit, join);
            else
                connect_up(g, br[k].exit, join);
        }
        if (cond && k == 0) {
            const char *expr = json_string_value(json_object_get(step, "if"));
            g->flows[in].cond = fs_xstrdup(expr);
            g->flows[in].name = label_of(expr);
        } else if (cond) {
            g->flows[in].name = fs_xstrdup("else");
            g->nodes[split].default_flow = in;
        } else {
            g->flows[in].name = fs_xasprintf("branch %zu", k + 1);
        }
    }
    blk.w = g->nodes[join].x + GATE;
    blk.h = cursor;
    blk.entry = split;
    blk.exit = join;
    end(g, &blk);
    return blk;
}

/* An expanded sub-process: a start event, the body, an end event, inside
   a box sized to them. foreach's body is its steps and the box loops over
   the items; a condition or parallel step that needs boundary events is
   boxed the same way, its gateways inside. */
static block_t build_box(graph_t *g, const json_t *step, int parent, bool loop)
{
    block_t blk = begin(g);
    int box = step_node(g, step, step_xml_id(step, NULL), "subProcess", SHAPE_BOX, parent);
    if (loop)
        g->nodes[box].inner = fs_xstrdup("<bpmn:multiInstanceLoopCharacteristics "
                                         "isSequential=\"true\" />");
    block_t inner = begin(g), parts[3];
    parts[0] = single(
        g, bpmn_node_add(g, step_xml_id(step, ".start"), NULL, "startEvent", SHAPE_EVENT, box));
    parts[1] = loop ? build_steps(g, json_object_get(step, "steps"), box)
                    : build_gateways(g, step, box, step_xml_id(step, ".split"));
    parts[2] =
        single(g, bpmn_node_add(g, step_xml_id(step, ".end"), NULL, "endEvent", SHAPE_EVENT, box));
    inner = lay_line(g, inner, parts, 3);
    shift(g, &inner, PAD, PAD_TOP);
    node_t *b = &g->nodes[box];
    b->w = inner.w + 2 * PAD;
    b->h = PAD_TOP + inner.h + PAD;
    b->line = PAD_TOP + inner.mid;
    blk.entry = blk.exit = box;
    blk.w = b->w;
    blk.h = b->h;
    blk.mid = b->line;
    end(g, &blk);
    return blk;
}

/* Where a failure or a timeout leads. */
typedef enum { TO_END, TO_JOIN, TO_BODY } target_t;

static int boundary(graph_t *g, const json_t *step, const char *suffix, const char *name,
                    char *inner, int host, int x)
{
    int n = bpmn_node_add(g, step_xml_id(step, suffix), name, "boundaryEvent", SHAPE_EVENT,
                          g->nodes[host].parent);
    node_t *b = &g->nodes[n];
    b->attrs = fs_xasprintf(" attachedToRef=\"%s\" cancelActivity=\"true\"", g->nodes[host].id);
    b->inner = inner;
    b->x = g->nodes[host].x + x;
    b->y = BOTTOM(&g->nodes[host]) - EVENT / 2;
    return n;
}

/* An activity with a timeout (the step types the engine times out) or an
   on_error: boundary events on its bottom edge, the error path below it
   (an end event, or the on_error steps), and a join after it when a path
   comes back to the main line (on_error "continue", the on_error steps, an
   approval that approves on timeout). */
static block_t guard(graph_t *g, const json_t *step, block_t host_blk, int parent)
{
    const json_t *timeout = json_object_get(step, "timeout"),
                 *on_error = json_object_get(step, "on_error");
    bool approval = is_type(step, "approval");
    bool timed = timeout && (approval || is_type(step, "openc2") || is_type(step, "enrich") ||
                             is_type(step, "action"));
    if (!timed && !on_error)
        return host_blk;
    block_t blk = host_blk;
    int host = host_blk.entry;
    const char *on_timeout = json_string_value(json_object_get(step, "on_timeout"));
    target_t err_to =
        json_is_array(on_error)                                                            ? TO_BODY
        : json_is_string(on_error) && strcmp(json_string_value(on_error), "continue") == 0 ? TO_JOIN
                                                                                           : TO_END;
    target_t time_to =
        approval && on_timeout && strcmp(on_timeout, "approve") == 0 ? TO_JOIN : err_to;
    int err = -1, timer = -1;
    if (on_error)
        err = boundary(g, step, ".error", approval ? "denied" : NULL,
                       fs_xstrdup("<bpmn:errorEventDefinition />"), host, 15);
    if (timed) {
        char iso[48], text[48], name[96];
        iso_duration(timeout, iso, sizeof iso);
        duration_text(timeout, text, sizeof text);
        snprintf(name, sizeof name, "timeout %s%s%s", text, approval ? ": " : "",
                 approval ? (on_timeout ? on_timeout : "deny") : "");
        timer = boundary(g, step, ".timeout", name,
                         fs_xasprintf("<bpmn:timerEventDefinition><bpmn:timeDuration "
                                      "xsi:type=\"bpmn:tFormalExpression\">%s</bpmn:timeDuration>"
                                      "</bpmn:timerEventDefinition>",
                                      iso),
                         host, err >= 0 ? 57 : 15);
    }
    int zone_y = g->nodes[host].h + ZONE_GAP, zone_right = g->nodes[host].w, zone_bottom = zone_y;
    int target = -1;
    block_t body = {.entry = -1};
    if ((err >= 0 && err_to == TO_END) || (timer >= 0 && time_to == TO_END)) {
        bool denies = approval && (!on_timeout || strcmp(on_timeout, "fail") != 0);
        target =
            bpmn_node_add(g, step_xml_id(step, ".failed"), denies ? "run denied" : "run failed",
                          "endEvent", SHAPE_EVENT, parent);
        g->nodes[target].x = ZONE_X;
        g->nodes[target].y = zone_y;
        zone_right = ZONE_X + EVENT;
        zone_bottom = zone_y + EVENT;
    } else if (err_to == TO_BODY) {
        body = build_steps(g, on_error, parent);
        shift(g, &body, ZONE_X, zone_y);
        target = body.entry;
        zone_right = ZONE_X + body.w;
        zone_bottom = zone_y + body.h;
    }
    int join = -1;
    if (err_to != TO_END || time_to != TO_END) {
        join = bpmn_node_add(g, step_xml_id(step, ".after"), NULL, "exclusiveGateway", SHAPE_GATE,
                             parent);
        int right = zone_right > g->nodes[host].w ? zone_right : g->nodes[host].w;
        g->nodes[join].x = right + GAP_X;
        g->nodes[join].y = LINE(&g->nodes[host]) - GATE / 2;
        connect(g, host, join);
        if (body.entry >= 0)
            connect_up(g, body.exit, join);
    }
    int under = zone_bottom + (zone_bottom > zone_y ? 20 : 0);
    bool used_under = false;
    const int ev[2] = {err, timer};
    const target_t to[2] = {err_to, time_to};
    for (int k = 0; k < 2; k++) {
        if (ev[k] < 0)
            continue;
        int fi;
        if (to[k] == TO_JOIN) {
            fi = connect_under(g, ev[k], join, under);
            used_under = true;
        } else {
            fi = connect_down(g, ev[k], target);
        }
        if (k == 0 && to[k] != TO_END)
            g->flows[fi].name = fs_xstrdup(to[k] == TO_JOIN ? "continue" : "on_error");
    }
    int host_w = g->nodes[host].w;
    blk.w = join >= 0 ? g->nodes[join].x + GATE : zone_right > host_w ? zone_right : host_w;
    blk.h = used_under ? under + 20 : zone_bottom;
    blk.exit = join >= 0 ? join : host;
    end(g, &blk);
    return blk;
}

static block_t build_step(graph_t *g, const json_t *step, int parent)
{
    const char *type = json_string_value(json_object_get(step, "type"));
    bool boxed_gateways = json_object_get(step, "on_error") != NULL;
    if (strcmp(type, "condition") == 0 || strcmp(type, "parallel") == 0) {
        if (!boxed_gateways)
            return build_gateways(g, step, parent, step_xml_id(step, NULL));
        block_t box = build_box(g, step, parent, false);
        return guard(g, step, box, parent);
    }
    if (strcmp(type, "foreach") == 0)
        return guard(g, step, build_box(g, step, parent, true), parent);
    if (strcmp(type, "wait") == 0) {
        /* A wait cannot fail: its timeout and on_error change nothing. */
        char iso[48];
        iso_duration(json_object_get(step, "duration"), iso, sizeof iso);
        int n = step_node(g, step, step_xml_id(step, NULL), "intermediateCatchEvent", SHAPE_EVENT,
                          parent);
        g->nodes[n].inner =
            fs_xasprintf("<bpmn:timerEventDefinition><bpmn:timeDuration "
                         "xsi:type=\"bpmn:tFormalExpression\">%s</bpmn:timeDuration>"
                         "</bpmn:timerEventDefinition>",
                         iso);
        return single(g, n);
    }
    static const struct {
        const char *type, *tag;
    } tasks[] = {{"enrich", "serviceTask"}, {"action", "serviceTask"},
                 {"approval", "userTask"},  {"openc2", "sendTask"},
                 {"set", "scriptTask"},     {"playbook", "callActivity"}};
    const char *tag = "task";
    for (size_t i = 0; i < sizeof tasks / sizeof *tasks; i++)
        if (strcmp(type, tasks[i].type) == 0)
            tag = tasks[i].tag;
    int n = step_node(g, step, step_xml_id(step, NULL), tag, SHAPE_TASK, parent);
    if (strcmp(type, "playbook") == 0) {
        sbuf_t a = {0};
        bpmn_sb_puts(&a, " calledElement=\"Playbook_");
        bpmn_sb_escaped(&a, json_string_value(json_object_get(step, "name")));
        bpmn_sb_puts(&a, "\"");
        g->nodes[n].attrs = a.s;
    }
    if (strcmp(type, "openc2") == 0 && json_object_get(step, "foreach"))
        g->nodes[n].inner = fs_xstrdup("<bpmn:multiInstanceLoopCharacteristics />");
    return guard(g, step, single(g, n), parent);
}

/* ---- the document ------------------------------------------------------------------ */

/* "class_uid 2004; sources a, b; sites beta; jq filter", or "any event". */
static char *trigger_summary(const json_t *t)
{
    sbuf_t b = {0};
    const json_t *cls = json_object_get(t, "class_uid");
    if (cls) {
        char *c = compact(cls);
        bpmn_sb_printf(&b, "class_uid %s", c);
        free(c);
    }
    static const char *const lists[] = {"sources", "sites"};
    for (size_t k = 0; k < 2; k++) {
        const json_t *l = json_object_get(t, lists[k]);
        if (!l)
            continue;
        bpmn_sb_printf(&b, "%s%s ", b.len ? "; " : "", lists[k]);
        size_t i;
        json_t *v;
        json_array_foreach(l, i, v) bpmn_sb_printf(&b, "%s%s", i ? ", " : "", json_string_value(v));
    }
    if (json_object_get(t, "filter"))
        bpmn_sb_printf(&b, "%sjq filter", b.len ? "; " : "");
    if (!b.len)
        bpmn_sb_puts(&b, "any event");
    return b.s;
}

char *playbook_bpmn(const json_t *document, fs_err_t *e)
{
    playbook_t *pb = playbook_parse(document, "playbook", e);
    if (!pb)
        return NULL;
    const json_t *doc = playbook_doc(pb);
    const char *name = playbook_name(pb);
    const json_t *trigger = json_object_get(doc, "trigger");
    graph_t g = {0};

    block_t line = begin(&g), parts[3];
    char *summary = trigger_summary(trigger);
    int start = bpmn_node_add(&g, fs_xstrdup("Trigger"), summary, "startEvent", SHAPE_EVENT, -1);
    g.nodes[start].doc = compact(trigger);
    free(summary);
    parts[0] = single(&g, start);
    parts[1] = build_steps(&g, json_object_get(doc, "steps"), -1);
    parts[2] = single(
        &g, bpmn_node_add(&g, fs_xstrdup("Completed"), "completed", "endEvent", SHAPE_EVENT, -1));
    line = lay_line(&g, line, parts, 3);
    shift(&g, &line, MARGIN, MARGIN);

    sbuf_t o = {0};
    char *process_id = fs_xasprintf("Playbook_%s", name);
    const char *title = json_string_value(json_object_get(doc, "title"));
    const char *description = json_string_value(json_object_get(doc, "description"));
    bpmn_sb_printf(&o,
                   "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
                   "<bpmn:definitions xmlns:bpmn=\"http://www.omg.org/spec/BPMN/20100524/MODEL\" "
                   "xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\" "
                   "xmlns:dc=\"http://www.omg.org/spec/DD/20100524/DC\" "
                   "xmlns:di=\"http://www.omg.org/spec/DD/20100524/DI\" "
                   "xmlns:xsi=\"http://www.w3.org/2001/XMLSchema-instance\" ");
    bpmn_sb_printf(&o,
                   "id=\"Definitions_1\" targetNamespace=\"urn:fedsoar:playbook:%s\" "
                   "expressionLanguage=\"https://jqlang.github.io/jq/\" exporter=\"fedsoar\" "
                   "exporterVersion=\"1\">\n"
                   "  <bpmn:process id=\"%s\" name=\"",
                   name, process_id);
    bpmn_sb_escaped(&o, title ? title : name);
    bpmn_sb_puts(&o, "\" isExecutable=\"false\">\n    <bpmn:documentation>");
    bpmn_sb_printf(&o, "fedsoar playbook %s, version %s", name, playbook_version(pb));
    if (description) {
        bpmn_sb_puts(&o, "&#10;");
        bpmn_sb_escaped(&o, description);
    }
    bpmn_sb_puts(&o, "</bpmn:documentation>\n");
    bpmn_write_process(&o, &g, -1, 2);
    bpmn_sb_puts(&o, "  </bpmn:process>\n");
    bpmn_write_diagram(&o, &g, process_id);
    bpmn_sb_puts(&o, "</bpmn:definitions>\n");
    free(process_id);
    bpmn_graph_free(&g);
    playbook_destroy(&pb);
    return o.s;
}
