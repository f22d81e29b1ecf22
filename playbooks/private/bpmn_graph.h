/*  bpmn_graph.h — private to bpmn.c and bpmn_graph.c: the graph a
    playbook becomes (flow nodes with their bounds, sequence flows with their
    waypoints), a growing text buffer and the XML writer. Every string a
    node or flow holds is its own (bpmn_graph_free frees them). */
#ifndef FEDSOAR_BPMN_GRAPH_H
#define FEDSOAR_BPMN_GRAPH_H

#include "common.h"

enum {
    BPMN_TASK_W = 100, /* the sizes bpmn-js draws by default */
    BPMN_TASK_H = 80,
    BPMN_GATE = 50,
    BPMN_EVENT = 36,
    BPMN_POINTS_MAX = 4, /* waypoints of one edge: every route has 2 to 4 */
};

typedef enum { SHAPE_TASK, SHAPE_GATE, SHAPE_EVENT, SHAPE_BOX } shape_t;

typedef struct node {
    char *id, *name, *doc; /* doc: documentation text, or NULL */
    const char *tag;       /* "serviceTask", "exclusiveGateway", ... */
    char *attrs;           /* more attributes, escaped, each with a leading space */
    char *inner;           /* child elements after incoming/outgoing, or NULL */
    int parent;            /* the sub-process it is in, -1: the process */
    int x, y, w, h, line;  /* bounds; line: y of the main line from the top */
    int default_flow;      /* an exclusive gateway's "else", -1 */
} node_t;

typedef struct flow {
    char *id, *name, *cond; /* cond: a jq condition, or NULL */
    int src, dst, parent;
    int npts, pts[BPMN_POINTS_MAX][2];
} flow_t;

typedef struct graph {
    node_t *nodes;
    flow_t *flows;
    size_t n, n_cap, nf, nf_cap;
} graph_t;

/* A growing NUL-terminated text (s is NULL until the first byte). */
typedef struct sbuf {
    char *s;
    size_t len, cap;
} sbuf_t;

void bpmn_sb_add(sbuf_t *b, const char *s, size_t n);
void bpmn_sb_puts(sbuf_t *b, const char *s);
void bpmn_sb_printf(sbuf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* s as XML text or attribute value (entities, character references, and
   U+FFFD for what XML 1.0 cannot carry). */
void bpmn_sb_escaped(sbuf_t *b, const char *s);

/* A node (id: taken; name copied, may be NULL) of a shape's default size
   at (0, 0); its index. */
int bpmn_node_add(graph_t *g, char *id, const char *name, const char *tag, shape_t shape,
                  int parent);
/* A flow from node src to node dst, no waypoints yet; its index. */
int bpmn_flow_add(graph_t *g, int src, int dst);
void bpmn_point(flow_t *f, int x, int y);

/* The flow elements whose container is parent (-1: the process), nested
   sub-processes included, indented by depth. */
void bpmn_write_process(sbuf_t *o, const graph_t *g, int parent, int depth);
/* BPMNDiagram: a shape per node, an edge per flow. */
void bpmn_write_diagram(sbuf_t *o, const graph_t *g, const char *process_id);
void bpmn_graph_free(graph_t *g);

#endif
