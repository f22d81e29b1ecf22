/*  bpmn_graph.c — the graph of a playbook's BPMN export (bpmn_graph.h):
    nodes and flows, the text buffer and XML escaping, and the writer of the
    process and its diagram. The layout is bpmn.c. */
#include "bpmn_graph.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- text ------------------------------------------------------------------ */

void bpmn_sb_add(sbuf_t *b, const char *s, size_t n)
{
    if (b->len + n + 1 > b->cap) {
        b->cap = (b->len + n + 1) * 2;
        b->s = fs_xrealloc(b->s, b->cap);
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void bpmn_sb_puts(sbuf_t *b, const char *s)
{
    bpmn_sb_add(b, s, strlen(s));
}

void bpmn_sb_printf(sbuf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char *t = fs_xvasprintf(fmt, ap);
    va_end(ap);
    bpmn_sb_puts(b, t);
    free(t);
}

/* s as XML character data or an attribute value: the five markup
   characters as entities, tab and line ends as character references (so
   an attribute keeps them), and what XML 1.0 cannot carry at all (other
   control characters, U+FFFE, U+FFFF) as U+FFFD. s is valid UTF-8
   (jansson checks it). */
void bpmn_sb_escaped(sbuf_t *b, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; p && *p; p++) {
        switch (*p) {
        case '&':
            bpmn_sb_puts(b, "&amp;");
            break;
        case '<':
            bpmn_sb_puts(b, "&lt;");
            break;
        case '>':
            bpmn_sb_puts(b, "&gt;");
            break;
        case '"':
            bpmn_sb_puts(b, "&quot;");
            break;
        case '\'':
            bpmn_sb_puts(b, "&apos;");
            break;
        case '\t':
            bpmn_sb_puts(b, "&#9;");
            break;
        case '\n':
            bpmn_sb_puts(b, "&#10;");
            break;
        case '\r':
            bpmn_sb_puts(b, "&#13;");
            break;
        default:
            if (*p < 0x20 || (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))) {
                bpmn_sb_puts(b, "\xef\xbf\xbd");
                p += *p < 0x20 ? 0 : 2;
            } else {
                bpmn_sb_add(b, (const char *)p, 1);
            }
        }
    }
}

/* ---- the graph --------------------------------------------------------------- */

int bpmn_node_add(graph_t *g, char *id, const char *name, const char *tag, shape_t shape,
                  int parent)
{
    if (g->n == g->n_cap) {
        g->n_cap = g->n_cap ? g->n_cap * 2 : 64;
        g->nodes = fs_xrealloc(g->nodes, g->n_cap * sizeof *g->nodes);
    }
    static const int sizes[][2] = {[SHAPE_TASK] = {BPMN_TASK_W, BPMN_TASK_H},
                                   [SHAPE_GATE] = {BPMN_GATE, BPMN_GATE},
                                   [SHAPE_EVENT] = {BPMN_EVENT, BPMN_EVENT},
                                   [SHAPE_BOX] = {BPMN_TASK_W, BPMN_TASK_H}};
    node_t *n = &g->nodes[g->n];
    *n = (node_t){.id = id,
                  .name = name ? fs_xstrdup(name) : NULL,
                  .tag = tag,
                  .parent = parent,
                  .w = sizes[shape][0],
                  .h = sizes[shape][1],
                  .line = sizes[shape][1] / 2,
                  .default_flow = -1};
    return (int)g->n++;
}

int bpmn_flow_add(graph_t *g, int src, int dst)
{
    if (g->nf == g->nf_cap) {
        g->nf_cap = g->nf_cap ? g->nf_cap * 2 : 64;
        g->flows = fs_xrealloc(g->flows, g->nf_cap * sizeof *g->flows);
    }
    flow_t *f = &g->flows[g->nf];
    *f = (flow_t){.id = fs_xasprintf("Flow_%zu", g->nf + 1),
                  .src = src,
                  .dst = dst,
                  .parent = g->nodes[src].parent};
    return (int)g->nf++;
}

void bpmn_point(flow_t *f, int x, int y)
{
    f->pts[f->npts][0] = x;
    f->pts[f->npts][1] = y;
    f->npts++;
}

static void write_refs(sbuf_t *o, const graph_t *g, int node)
{
    for (size_t i = 0; i < g->nf; i++)
        if (g->flows[i].dst == node)
            bpmn_sb_printf(o, "<bpmn:incoming>%s</bpmn:incoming>", g->flows[i].id);
    for (size_t i = 0; i < g->nf; i++)
        if (g->flows[i].src == node)
            bpmn_sb_printf(o, "<bpmn:outgoing>%s</bpmn:outgoing>", g->flows[i].id);
}

void bpmn_write_process(sbuf_t *o, const graph_t *g, int parent, int depth)
{
    char indent[64];
    snprintf(indent, sizeof indent, "%*s", depth * 2, "");
    for (size_t i = 0; i < g->n; i++) {
        const node_t *n = &g->nodes[i];
        if (n->parent != parent)
            continue;
        bpmn_sb_printf(o, "%s<bpmn:%s id=\"%s\"", indent, n->tag, n->id);
        if (n->name) {
            bpmn_sb_puts(o, " name=\"");
            bpmn_sb_escaped(o, n->name);
            bpmn_sb_puts(o, "\"");
        }
        if (n->attrs)
            bpmn_sb_puts(o, n->attrs);
        if (n->default_flow >= 0)
            bpmn_sb_printf(o, " default=\"%s\"", g->flows[n->default_flow].id);
        bpmn_sb_puts(o, ">");
        if (n->doc) {
            bpmn_sb_puts(o, "<bpmn:documentation>");
            bpmn_sb_escaped(o, n->doc);
            bpmn_sb_puts(o, "</bpmn:documentation>");
        }
        write_refs(o, g, (int)i);
        if (n->inner)
            bpmn_sb_puts(o, n->inner);
        if (strcmp(n->tag, "subProcess") == 0) {
            bpmn_sb_puts(o, "\n");
            bpmn_write_process(o, g, (int)i, depth + 1);
            bpmn_sb_puts(o, indent);
        }
        bpmn_sb_printf(o, "</bpmn:%s>\n", n->tag);
    }
    for (size_t i = 0; i < g->nf; i++) {
        const flow_t *f = &g->flows[i];
        if (f->parent != parent)
            continue;
        bpmn_sb_printf(o, "%s<bpmn:sequenceFlow id=\"%s\" sourceRef=\"%s\" targetRef=\"%s\"",
                       indent, f->id, g->nodes[f->src].id, g->nodes[f->dst].id);
        if (f->name) {
            bpmn_sb_puts(o, " name=\"");
            bpmn_sb_escaped(o, f->name);
            bpmn_sb_puts(o, "\"");
        }
        if (!f->cond) {
            bpmn_sb_puts(o, " />\n");
            continue;
        }
        bpmn_sb_puts(o, "><bpmn:conditionExpression xsi:type=\"bpmn:tFormalExpression\" "
                        "language=\"https://jqlang.github.io/jq/\">");
        bpmn_sb_escaped(o, f->cond);
        bpmn_sb_puts(o, "</bpmn:conditionExpression></bpmn:sequenceFlow>\n");
    }
}

void bpmn_write_diagram(sbuf_t *o, const graph_t *g, const char *process_id)
{
    bpmn_sb_printf(o,
                   "  <bpmndi:BPMNDiagram id=\"Diagram_1\">\n"
                   "    <bpmndi:BPMNPlane id=\"Plane_1\" bpmnElement=\"%s\">\n",
                   process_id);
    for (size_t i = 0; i < g->n; i++) {
        const node_t *n = &g->nodes[i];
        bpmn_sb_printf(
            o,
            "      <bpmndi:BPMNShape id=\"%s.di\" bpmnElement=\"%s\"%s><dc:Bounds x=\"%d\" "
            "y=\"%d\" width=\"%d\" height=\"%d\" /></bpmndi:BPMNShape>\n",
            n->id, n->id,
            strcmp(n->tag, "subProcess") == 0 ? " isExpanded=\"true\""
            : strstr(n->tag, "Gateway")       ? " isMarkerVisible=\"true\""
                                              : "",
            n->x, n->y, n->w, n->h);
    }
    for (size_t i = 0; i < g->nf; i++) {
        const flow_t *f = &g->flows[i];
        bpmn_sb_printf(o, "      <bpmndi:BPMNEdge id=\"%s.di\" bpmnElement=\"%s\">", f->id, f->id);
        for (int k = 0; k < f->npts; k++)
            bpmn_sb_printf(o, "<di:waypoint x=\"%d\" y=\"%d\" />", f->pts[k][0], f->pts[k][1]);
        bpmn_sb_puts(o, "</bpmndi:BPMNEdge>\n");
    }
    bpmn_sb_puts(o, "    </bpmndi:BPMNPlane>\n  </bpmndi:BPMNDiagram>\n");
}

void bpmn_graph_free(graph_t *g)
{
    for (size_t i = 0; i < g->n; i++) {
        free(g->nodes[i].id);
        free(g->nodes[i].name);
        free(g->nodes[i].doc);
        free(g->nodes[i].attrs);
        free(g->nodes[i].inner);
    }
    for (size_t i = 0; i < g->nf; i++) {
        free(g->flows[i].id);
        free(g->flows[i].name);
        free(g->flows[i].cond);
    }
    free(g->nodes);
    free(g->flows);
}
