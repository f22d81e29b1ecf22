/*  test_playbook_bpmn.c — the BPMN export (playbook_bpmn.h) of every
    shipped playbook and of synthetic ones covering every step type,
    nested steps, timeouts, on_error in its three forms, and ids and texts
    that need escaping. For each export: every step id is one flow node
    (by playbook_bpmn_id) and no other element takes a step-like id; ids
    are unique; every flow node has a shape and every sequence flow an edge
    of at least 2 waypoints starting on its source's shape and ending on
    its target's; sources, targets, hosts and defaults exist; no two shapes
    in the same container overlap (a boundary event sits on its own host
    only) and children lie inside their sub-process; the same document
    gives the same bytes. The XSD check is tests/integration/bpmn_export.sh. */
#include "check.h"
#include "playbook_bpmn.h"
#include "playbooks.h"

#include <dirent.h>

/* ---- a minimal reader for the exporter's own XML --------------------------- */

#define MAX_EL 4096

typedef struct el {
    char tag[48];
    char id[128], src[128], dst[128], attached[128], element[128], dflt[128];
    char name[512];
    int parent; /* index of the enclosing subProcess element, -1 */
    int x, y, w, h, has_bounds;
    int points, px[8], py[8];
} el_t;

static el_t els[MAX_EL];
static int n_els;

static void unescape(const char *s, size_t n, char *out, size_t size)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < size; i++) {
        if (s[i] != '&') {
            out[o++] = s[i];
            continue;
        }
        static const struct {
            const char *ent, *ch;
        } ents[] = {{"&amp;", "&"},  {"&lt;", "<"},  {"&gt;", ">"},   {"&quot;", "\""},
                    {"&apos;", "'"}, {"&#9;", "\t"}, {"&#10;", "\n"}, {"&#13;", "\r"}};
        for (size_t k = 0; k < sizeof ents / sizeof *ents; k++)
            if (strncmp(s + i, ents[k].ent, strlen(ents[k].ent)) == 0) {
                out[o++] = ents[k].ch[0];
                i += strlen(ents[k].ent) - 1;
                break;
            }
    }
    out[o] = '\0';
}

static void attr(const char *tag_start, const char *tag_end, const char *name, char *out,
                 size_t size)
{
    out[0] = '\0';
    char pat[64];
    snprintf(pat, sizeof pat, " %s=\"", name);
    const char *p = strstr(tag_start, pat);
    if (!p || p > tag_end)
        return;
    p += strlen(pat);
    const char *q = strchr(p, '"');
    unescape(p, (size_t)(q - p), out, size);
}

/* Reads every element: the flow elements with their ids and references,
   shapes (bounds) and edges (waypoints) attached to their bpmnElement's
   record by id afterwards. Returns 0 when the text is well-formed enough. */
static int read_xml(const char *xml)
{
    n_els = 0;
    int stack[64], depth = 0;
    const char *p = xml;
    int last = -1;
    while ((p = strchr(p, '<'))) {
        const char *end = strchr(p, '>');
        if (!end)
            return -1;
        if (p[1] == '?' || p[1] == '!') {
            p = end;
            continue;
        }
        if (p[1] == '/') {
            if (strncmp(p, "</bpmn:subProcess>", 18) == 0 && depth > 0)
                depth--;
            p = end;
            continue;
        }
        bool self_closing = end[-1] == '/';
        char tag[48];
        size_t tn = strcspn(p + 1, " />");
        snprintf(tag, sizeof tag, "%.*s", (int)tn, p + 1);
        if (strcmp(tag, "dc:Bounds") == 0 && last >= 0) {
            char v[32];
            attr(p, end, "x", v, sizeof v), els[last].x = atoi(v);
            attr(p, end, "y", v, sizeof v), els[last].y = atoi(v);
            attr(p, end, "width", v, sizeof v), els[last].w = atoi(v);
            attr(p, end, "height", v, sizeof v), els[last].h = atoi(v);
            els[last].has_bounds = 1;
        } else if (strcmp(tag, "di:waypoint") == 0 && last >= 0 && els[last].points < 8) {
            char v[32];
            attr(p, end, "x", v, sizeof v), els[last].px[els[last].points] = atoi(v);
            attr(p, end, "y", v, sizeof v), els[last].py[els[last].points] = atoi(v);
            els[last].points++;
        } else if (n_els < MAX_EL) {
            el_t *e = &els[n_els];
            memset(e, 0, sizeof *e);
            snprintf(e->tag, sizeof e->tag, "%s", tag);
            attr(p, end, "id", e->id, sizeof e->id);
            attr(p, end, "name", e->name, sizeof e->name);
            attr(p, end, "sourceRef", e->src, sizeof e->src);
            attr(p, end, "targetRef", e->dst, sizeof e->dst);
            attr(p, end, "attachedToRef", e->attached, sizeof e->attached);
            attr(p, end, "bpmnElement", e->element, sizeof e->element);
            attr(p, end, "default", e->dflt, sizeof e->dflt);
            e->parent = depth ? stack[depth - 1] : -1;
            last = n_els++;
            if (strcmp(tag, "bpmn:subProcess") == 0 && !self_closing && depth < 64)
                stack[depth++] = last;
        }
        p = end;
    }
    return depth == 0 ? 0 : -1;
}

static int find_id(const char *id)
{
    for (int i = 0; i < n_els; i++)
        if (els[i].id[0] && strcmp(els[i].id, id) == 0)
            return i;
    return -1;
}

static int count_id(const char *id)
{
    int n = 0;
    for (int i = 0; i < n_els; i++)
        n += els[i].id[0] && strcmp(els[i].id, id) == 0;
    return n;
}

static bool is_flow_node(const el_t *e)
{
    static const char *const tags[] = {"bpmn:startEvent",
                                       "bpmn:endEvent",
                                       "bpmn:serviceTask",
                                       "bpmn:userTask",
                                       "bpmn:sendTask",
                                       "bpmn:scriptTask",
                                       "bpmn:task",
                                       "bpmn:callActivity",
                                       "bpmn:subProcess",
                                       "bpmn:exclusiveGateway",
                                       "bpmn:parallelGateway",
                                       "bpmn:intermediateCatchEvent",
                                       "bpmn:boundaryEvent",
                                       NULL};
    for (const char *const *t = tags; *t; t++)
        if (strcmp(e->tag, *t) == 0)
            return true;
    return false;
}

static int di_of(const char *id, const char *tag)
{
    for (int i = 0; i < n_els; i++)
        if (strcmp(els[i].tag, tag) == 0 && strcmp(els[i].element, id) == 0)
            return i;
    return -1;
}

static bool on_shape(const el_t *s, int x, int y)
{
    return x >= s->x && x <= s->x + s->w && y >= s->y && y <= s->y + s->h;
}

static void collect_ids(const json_t *steps, json_t *ids)
{
    size_t i, j;
    json_t *s, *b;
    json_array_foreach(steps, i, s)
    {
        json_array_append(ids, json_object_get(s, "id"));
        static const char *const lists[] = {"then", "else", "steps", "on_error"};
        for (size_t k = 0; k < 4; k++)
            if (json_is_array(json_object_get(s, lists[k])))
                collect_ids(json_object_get(s, lists[k]), ids);
        json_array_foreach(json_object_get(s, "branches"), j, b) collect_ids(b, ids);
    }
}

/* ---- the checks ------------------------------------------------------------------ */

static void check_export(const json_t *doc, const char *label)
{
    fs_err_t e = {0};
    char *xml = playbook_bpmn(doc, &e);
    CHECK(xml != NULL);
    if (!xml) {
        fprintf(stderr, "%s: %s\n", label, e.text);
        return;
    }
    char *again = playbook_bpmn(doc, &e);
    CHECK(again && strcmp(xml, again) == 0); /* deterministic */
    free(again);
    CHECK(strstr(xml, "xmlns:bpmndi=\"http://www.omg.org/spec/BPMN/20100524/DI\"") != NULL);
    CHECK(strstr(xml, "isExecutable=\"false\"") != NULL);
    CHECK(read_xml(xml) == 0);
    int bad = check_failed;

    /* every step id: exactly one flow node; every id unique */
    json_t *ids = json_array();
    collect_ids(json_object_get(doc, "steps"), ids);
    size_t i;
    json_t *id;
    json_array_foreach(ids, i, id)
    {
        char x[32];
        playbook_bpmn_id(json_string_value(id), x, sizeof x);
        int k = find_id(x);
        CHECK(k >= 0 && is_flow_node(&els[k]) && count_id(x) == 1);
    }
    int step_like = 0;
    for (int k = 0; k < n_els; k++) {
        if (els[k].id[0])
            CHECK(count_id(els[k].id) == 1);
        bool generated = strchr(els[k].id, '.') || strpbrk(els[k].id, "ABCDEFGHIJKLMNOPQRSTUVWXYZ");
        step_like += els[k].id[0] && !generated;
    }
    CHECK_INT(step_like, json_array_size(ids)); /* no other element takes a step-like id */

    for (int k = 0; k < n_els; k++) {
        el_t *el = &els[k];
        if (is_flow_node(el)) {
            int s = di_of(el->id, "bpmndi:BPMNShape");
            CHECK(s >= 0 && els[s].has_bounds && els[s].w > 0 && els[s].h > 0);
            if (el->attached[0])
                CHECK(find_id(el->attached) >= 0);
            if (el->dflt[0])
                CHECK(find_id(el->dflt) >= 0 &&
                      strcmp(els[find_id(el->dflt)].tag, "bpmn:sequenceFlow") == 0 &&
                      strcmp(els[find_id(el->dflt)].src, el->id) == 0);
        }
        if (strcmp(el->tag, "bpmn:sequenceFlow") == 0) {
            int a = find_id(el->src), b = find_id(el->dst);
            CHECK(a >= 0 && b >= 0 && is_flow_node(&els[a]) && is_flow_node(&els[b]));
            CHECK(a >= 0 && b >= 0 && els[a].parent == el->parent && els[b].parent == el->parent);
            int d = di_of(el->id, "bpmndi:BPMNEdge");
            CHECK(d >= 0 && els[d].points >= 2);
            if (d < 0 || a < 0 || b < 0 || els[d].points < 2)
                continue;
            int sa = di_of(el->src, "bpmndi:BPMNShape"), sb = di_of(el->dst, "bpmndi:BPMNShape");
            const el_t *ed = &els[d];
            CHECK(on_shape(&els[sa], ed->px[0], ed->py[0]));
            CHECK(on_shape(&els[sb], ed->px[ed->points - 1], ed->py[ed->points - 1]));
            for (int w = 1; w < ed->points; w++) /* orthogonal */
                CHECK(ed->px[w] == ed->px[w - 1] || ed->py[w] == ed->py[w - 1]);
        }
    }
    /* shapes: siblings do not overlap; children inside their sub-process */
    for (int a = 0; a < n_els; a++) {
        if (!is_flow_node(&els[a]))
            continue;
        const el_t *sa = &els[di_of(els[a].id, "bpmndi:BPMNShape")];
        if (els[a].parent >= 0) {
            const el_t *sp = &els[di_of(els[els[a].parent].id, "bpmndi:BPMNShape")];
            CHECK(sa->x > sp->x && sa->y > sp->y && sa->x + sa->w < sp->x + sp->w &&
                  sa->y + sa->h < sp->y + sp->h);
        }
        for (int b = a + 1; b < n_els; b++) {
            if (!is_flow_node(&els[b]) || els[b].parent != els[a].parent)
                continue;
            if (strcmp(els[a].attached, els[b].id) == 0 || strcmp(els[b].attached, els[a].id) == 0)
                continue; /* a boundary event on its host */
            const el_t *sb = &els[di_of(els[b].id, "bpmndi:BPMNShape")];
            bool overlap = sa->x < sb->x + sb->w && sb->x < sa->x + sa->w &&
                           sa->y < sb->y + sb->h && sb->y < sa->y + sa->h;
            CHECK(!overlap);
            if (overlap)
                fprintf(stderr, "%s: %s overlaps %s\n", label, els[a].id, els[b].id);
        }
    }
    if (check_failed != bad)
        fprintf(stderr, "%s: the checks above failed on its export\n", label);
    json_decref(ids);
    free(xml);
}

/* ---- the playbooks ------------------------------------------------------------------- */

static const char *const synthetic[] = {
    /* every step type, nested, with timeouts, retry and on_error in its three forms */
    "{\"name\": \"every-step\", \"title\": \"Every <step> & \\\"quote\\\" 'apos'\","
    " \"description\": \"line one\\nline two\\ttab \\u0001 control\","
    " \"trigger\": {\"class_uid\": [2004, 3002], \"sources\": [\"a.b\"], \"sites\": [\"alpha\"],"
    "   \"filter\": \".severity_id > 3 and .x < 2\"},"
    " \"steps\": ["
    "  {\"id\": \"s1\", \"type\": \"set\", \"title\": \"<set> & go\", \"case\": {\"status\": "
    "\"analysis\"}},"
    "  {\"id\": \"e1\", \"type\": \"enrich\", \"analyzer\": \"ti\", \"timeout\": \"30s\","
    "   \"retry\": {\"max\": 2, \"backoff\": \"5s\"},"
    "   \"on_error\": [{\"id\": \"e1-fallback\", \"type\": \"action\", \"responder\": \"chat\"},"
    "                  {\"id\": \"e1-note\", \"type\": \"set\", \"case\": {\"note\": \"x\"}}]},"
    "  {\"id\": \"c1\", \"type\": \"condition\","
    "   \"if\": \".steps[\\\"e1\\\"].verdict == \\\"malicious\\\" and (.event.n < 3) and "
    "(\\\"a&b\\\" | "
    "length) > 0 and true and true and true and true\","
    "   \"then\": [{\"id\": \"o1\", \"type\": \"openc2\", \"foreach\": \".event.ips[]\","
    "     \"command\": {\"action\": \"deny\", \"target\": {\"ipv4_net\": \"{{ .item }}\"}},"
    "     \"timeout\": 60}],"
    "   \"else\": [{\"id\": \"w1\", \"type\": \"wait\", \"duration\": \"1500ms\"}]},"
    "  {\"id\": \"a1\", \"type\": \"approval\", \"role\": \"approver\", \"quorum\": 2,"
    "   \"timeout\": \"1d\", \"on_timeout\": \"approve\", \"reason\": \"why <not>\"},"
    "  {\"id\": \"p1\", \"type\": \"parallel\", \"branches\": ["
    "    [{\"id\": \"b1\", \"type\": \"action\", \"responder\": \"ticket\", \"on_error\": "
    "\"continue\"}],"
    "    [{\"id\": \"b2\", \"type\": \"condition\", \"if\": \"true\", \"then\": [],"
    "      \"else\": [{\"id\": \"b2e\", \"type\": \"wait\", \"duration\": 5}]}],"
    "    [{\"id\": \"b3\", \"type\": \"playbook\", \"name\": \"other\"}]]},"
    "  {\"id\": \"f1\", \"type\": \"foreach\", \"items\": \".sites[]\", \"on_error\": \"fail\","
    "   \"steps\": [{\"id\": \"f1-search\", \"type\": \"enrich\", \"analyzer\": \"ioc\", \"site\": "
    "\"{{ .item }}\"}]},"
    "  {\"id\": \"c2\", \"type\": \"condition\", \"if\": \"false\", \"on_error\": \"continue\","
    "   \"then\": [{\"id\": \"c2a\", \"type\": \"set\", \"case\": {\"status\": \"closed\"}}]},"
    "  {\"id\": \"p2\", \"type\": \"parallel\", \"on_error\": [{\"id\": \"p2-err\", \"type\": "
    "\"set\", \"case\": {\"note\": \"y\"}}],"
    "   \"branches\": [[{\"id\": \"p2a\", \"type\": \"wait\", \"duration\": \"2h\"}]]},"
    "  {\"id\": \"g2\", \"type\": \"approval\", \"role\": \"approver\", \"timeout\": \"5m\","
    "   \"on_timeout\": \"fail\", \"on_error\": \"fail\"},"
    "  {\"id\": \"crit\", \"type\": \"openc2\", \"critical\": true,"
    "   \"command\": {\"action\": \"contain\", \"target\": {\"device\": {\"hostname\": \"h\"}}}}"
    " ]}",
    /* ids that are not NCNames, and their escaped forms side by side */
    "{\"name\": \"1-ids\", \"trigger\": {},"
    " \"steps\": ["
    "  {\"id\": \"1st\", \"type\": \"set\", \"case\": {\"status\": \"analysis\"}},"
    "  {\"id\": \"_1st\", \"type\": \"set\", \"case\": {\"status\": \"analysis\"}},"
    "  {\"id\": \"-dash\", \"type\": \"wait\", \"duration\": 1},"
    "  {\"id\": \"9\", \"type\": \"foreach\", \"items\": \".x[]\", \"steps\": ["
    "    {\"id\": \"_\", \"type\": \"action\", \"responder\": \"r\", \"timeout\": \"1m\"}]},"
    "  {\"id\": \"start\", \"type\": \"playbook\", \"name\": \"2nd-playbook\"}"
    " ]}",
    /* deep nesting: foreach > parallel > condition > foreach > on_error */
    "{\"name\": \"deep\", \"trigger\": {\"class_uid\": 2004},"
    " \"steps\": [{\"id\": \"l1\", \"type\": \"foreach\", \"items\": \".a[]\", \"steps\": ["
    "  {\"id\": \"l2\", \"type\": \"parallel\", \"branches\": ["
    "   [{\"id\": \"l3\", \"type\": \"condition\", \"if\": \".x\", \"then\": ["
    "     {\"id\": \"l4\", \"type\": \"foreach\", \"items\": \".b[]\", \"steps\": ["
    "       {\"id\": \"l5\", \"type\": \"enrich\", \"analyzer\": \"z\", \"timeout\": \"10s\","
    "        \"on_error\": [{\"id\": \"l6\", \"type\": \"action\", \"responder\": \"q\","
    "          \"on_error\": \"continue\"}]}]}],"
    "     \"else\": [{\"id\": \"l7\", \"type\": \"set\", \"case\": {\"note\": \"n\"}}]}],"
    "   [{\"id\": \"l8\", \"type\": \"wait\", \"duration\": \"1s\"}]]}]}]}",
};

static json_t *load(const char *path)
{
    json_error_t je;
    json_t *doc = json_load_file(path, 0, &je);
    if (!doc)
        fprintf(stderr, "%s: %s\n", path, je.text);
    return doc;
}

int main(void)
{
    fs_memory_policy_install();
    /* every shipped playbook */
    DIR *d = opendir(FEDSOAR_PLAYBOOKS_DIR);
    CHECK(d != NULL);
    int shipped = 0;
    struct dirent *de;
    while (d && (de = readdir(d))) {
        size_t n = strlen(de->d_name);
        if (n < 6 || strcmp(de->d_name + n - 5, ".json") != 0)
            continue;
        char path[1024];
        snprintf(path, sizeof path, "%s/%s", FEDSOAR_PLAYBOOKS_DIR, de->d_name);
        json_t *doc = load(path);
        CHECK(doc != NULL);
        if (doc)
            check_export(doc, path);
        json_decref(doc);
        shipped++;
    }
    if (d)
        closedir(d);
    CHECK(shipped >= 4);

    for (size_t i = 0; i < sizeof synthetic / sizeof *synthetic; i++) {
        json_error_t je;
        json_t *doc = json_loads(synthetic[i], 0, &je);
        CHECK(doc != NULL);
        if (!doc) {
            fprintf(stderr, "synthetic %zu: %s (line %d)\n", i, je.text, je.line);
            continue;
        }
        char label[32];
        snprintf(label, sizeof label, "synthetic %zu", i);
        check_export(doc, label);
        json_decref(doc);
    }

    /* the mapping, element by element, on the every-step playbook */
    json_t *doc = json_loads(synthetic[0], 0, NULL);
    fs_err_t e = {0};
    char *xml = playbook_bpmn(doc, &e);
    CHECK(xml && read_xml(xml) == 0);
    static const struct {
        const char *id, *tag;
    } want[] = {{"s1", "bpmn:scriptTask"},
                {"e1", "bpmn:serviceTask"},
                {"e1-fallback", "bpmn:serviceTask"},
                {"c1", "bpmn:exclusiveGateway"},
                {"c1.join", "bpmn:exclusiveGateway"},
                {"o1", "bpmn:sendTask"},
                {"w1", "bpmn:intermediateCatchEvent"},
                {"a1", "bpmn:userTask"},
                {"p1", "bpmn:parallelGateway"},
                {"p1.join", "bpmn:parallelGateway"},
                {"b3", "bpmn:callActivity"},
                {"f1", "bpmn:subProcess"},
                {"c2", "bpmn:subProcess"}, /* a condition with on_error: boxed */
                {"c2.split", "bpmn:exclusiveGateway"},
                {"e1.timeout", "bpmn:boundaryEvent"},
                {"e1.error", "bpmn:boundaryEvent"},
                {"o1.timeout", "bpmn:boundaryEvent"},
                {"g2.failed", "bpmn:endEvent"},
                {"Trigger", "bpmn:startEvent"},
                {"Completed", "bpmn:endEvent"}};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        int k = find_id(want[i].id);
        CHECK(k >= 0 && strcmp(els[k].tag, want[i].tag) == 0);
        if (k < 0 || strcmp(els[k].tag, want[i].tag) != 0)
            fprintf(stderr, "  %s: wanted a %s\n", want[i].id, want[i].tag);
    }
    CHECK(xml && strstr(xml, "calledElement=\"Playbook_other\"") != NULL);
    CHECK(xml && strstr(xml, "<bpmn:multiInstanceLoopCharacteristics isSequential=\"true\" />"));
    CHECK(xml && strstr(xml, ">PT30S</bpmn:timeDuration>") &&
          strstr(xml, ">P1D</bpmn:timeDuration>") && strstr(xml, ">PT1.500S</bpmn:timeDuration>") &&
          strstr(xml, ">PT1M</bpmn:timeDuration>"));
    CHECK_STR(els[find_id("s1")].name, "<set> & go");
    CHECK_STR(els[find_id("Playbook_every-step")].name, "Every <step> & \"quote\" 'apos'");
    CHECK(xml && strstr(xml, "&lt;set&gt; &amp; go") && !strstr(xml, "\x01"));
    CHECK(xml && strstr(xml, "line one&#10;line two&#9;tab \xef\xbf\xbd control"));
    /* the condition: its jq text in full, its label cut; the else flow the default */
    CHECK(xml &&
          strstr(xml, "language=\"https://jqlang.github.io/jq/\">.steps[&quot;e1&quot;].verdict == "
                      "&quot;malicious&quot; and (.event.n &lt; 3) and (&quot;a&amp;b"));
    int c1 = find_id("c1");
    CHECK(c1 >= 0 && els[c1].dflt[0] && strcmp(els[find_id(els[c1].dflt)].name, "else") == 0);
    for (int k = 0; k < n_els; k++)
        if (strcmp(els[k].tag, "bpmn:sequenceFlow") == 0 && strcmp(els[k].src, "c1") == 0 &&
            strcmp(els[k].name, "else") != 0)
            CHECK(strlen(els[k].name) <= 80 && strstr(els[k].name, "\xe2\x80\xa6"));
    /* boundary events sit on their hosts; approve-on-timeout rejoins the line */
    CHECK_STR(els[find_id("e1.timeout")].attached, "e1");
    for (int k = 0; k < n_els; k++)
        if (strcmp(els[k].tag, "bpmn:sequenceFlow") == 0 && strcmp(els[k].src, "a1.timeout") == 0)
            CHECK_STR(els[k].dst, "a1.after");
    free(xml);
    json_decref(doc);

    /* escaped ids: reversible, distinct */
    char x[32];
    CHECK_STR(playbook_bpmn_id("1st", x, sizeof x), "_1st");
    CHECK_STR(playbook_bpmn_id("_1st", x, sizeof x), "__1st");
    CHECK_STR(playbook_bpmn_id("-dash", x, sizeof x), "_-dash");
    CHECK_STR(playbook_bpmn_id("ok-id", x, sizeof x), "ok-id");

    /* an invalid playbook is refused, not exported */
    json_t *bad = json_pack("{s:s, s:[]}", "name", "bad", "steps");
    CHECK(playbook_bpmn(bad, &e) == NULL && e.code == PLAYBOOK_E_INVALID);
    json_decref(bad);
    return check_summary();
}
