/*  test_playbook_diff.c — playbooks/diff.c: steps added, removed and
    changed (nested ones named, not their container), leaf changes by JSON
    pointer with RFC 6901 escapes, the unified text and its hunks, equal
    documents, and non-object input. */
#include "check.h"
#include "playbook_diff.h"

static json_t *doc(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (!j)
        fprintf(stderr, "test document: %s\n", err.text);
    return j;
}

static bool has(const json_t *arr, const char *s)
{
    size_t i;
    json_t *v;
    json_array_foreach(arr, i, v) if (strcmp(json_string_value(v), s) == 0) return true;
    return false;
}

int main(void)
{
    json_t *a =
        doc("{\"name\":\"x\",\"steps\":["
            "{\"id\":\"gate\",\"type\":\"approval\",\"role\":\"analyst\",\"timeout\":\"1h\"},"
            "{\"id\":\"cond\",\"type\":\"condition\",\"if\":\"true\",\"then\":["
            "  {\"id\":\"block\",\"type\":\"openc2\",\"timeout\":30}]},"
            "{\"id\":\"old\",\"type\":\"wait\",\"duration\":\"1s\"}],"
            "\"a/b~c\":1}");
    json_t *b =
        doc("{\"name\":\"x\",\"steps\":["
            "{\"id\":\"gate\",\"type\":\"approval\",\"role\":\"analyst\",\"timeout\":\"1h\"},"
            "{\"id\":\"cond\",\"type\":\"condition\",\"if\":\"true\",\"then\":["
            "  {\"id\":\"block\",\"type\":\"openc2\",\"timeout\":60}]},"
            "{\"id\":\"new\",\"type\":\"wait\",\"duration\":\"1s\"}],"
            "\"a/b~c\":2}");
    json_t *d = playbook_diff(a, b, "v1", "v2");
    json_t *steps = json_object_get(d, "steps");
    CHECK(has(json_object_get(steps, "added"), "new"));
    CHECK(has(json_object_get(steps, "removed"), "old"));
    CHECK(has(json_object_get(steps, "changed"), "block"));
    CHECK(!has(json_object_get(steps, "changed"), "cond")); /* only its nested step changed */
    CHECK(!has(json_object_get(steps, "changed"), "gate"));
    CHECK_INT(json_array_size(json_object_get(steps, "added")), 1);

    json_t *changes = json_object_get(d, "changes");
    /* keys sorted: "a/b~c" first, then steps */
    json_t *c0 = json_array_get(changes, 0);
    CHECK_STR(json_string_value(json_object_get(c0, "pointer")), "/a~1b~0c");
    CHECK_INT(json_integer_value(json_object_get(c0, "a")), 1);
    CHECK_INT(json_integer_value(json_object_get(c0, "b")), 2);
    bool timeout = false, id = false;
    size_t i;
    json_t *c;
    json_array_foreach(changes, i, c)
    {
        const char *p = json_string_value(json_object_get(c, "pointer"));
        if (strcmp(p, "/steps/1/then/0/timeout") == 0) {
            timeout = json_integer_value(json_object_get(c, "a")) == 30 &&
                      json_integer_value(json_object_get(c, "b")) == 60 &&
                      strcmp(json_string_value(json_object_get(c, "path")),
                             "$.steps[1].then[0].timeout") == 0 &&
                      strcmp(json_string_value(json_object_get(c, "op")), "changed") == 0;
        }
        if (strcmp(p, "/steps/2/id") == 0)
            id = true;
    }
    CHECK(timeout);
    CHECK(id);
    CHECK(json_is_false(json_object_get(d, "truncated")));

    const char *text = json_string_value(json_object_get(d, "text"));
    CHECK(text && strncmp(text, "--- v1\n+++ v2\n@@ -", 18) == 0);
    CHECK(text && strstr(text, "\n-  \"a/b~c\": 1,\n+  \"a/b~c\": 2,\n"));
    CHECK(text && strstr(text, "-          \"timeout\": 30,\n+          \"timeout\": 60,\n"));
    CHECK(text && strstr(text, "-      \"id\": \"old\",\n+      \"id\": \"new\",\n"));
    json_decref(d);

    /* equal documents: nothing */
    d = playbook_diff(a, a, NULL, NULL);
    CHECK_INT(json_array_size(json_object_get(d, "changes")), 0);
    CHECK_STR(json_string_value(json_object_get(d, "text")), "");
    CHECK_INT(json_array_size(json_object_get(json_object_get(d, "steps"), "changed")), 0);
    json_decref(d);

    /* an added key and a removed one: op and the missing side */
    json_t *x = doc("{\"k\":1}"), *y = doc("{\"l\":[1,2]}");
    d = playbook_diff(x, y, NULL, NULL);
    changes = json_object_get(d, "changes");
    CHECK_INT(json_array_size(changes), 2);
    CHECK_STR(json_string_value(json_object_get(json_array_get(changes, 0), "op")), "removed");
    CHECK(json_object_get(json_array_get(changes, 0), "b") == NULL);
    CHECK_STR(json_string_value(json_object_get(json_array_get(changes, 1), "op")), "added");
    CHECK_STR(
        json_string_value(json_object_get(d, "text")),
        "--- a\n+++ b\n@@ -1,3 +1,6 @@\n {\n-  \"k\": 1\n+  \"l\": [\n+    1,\n+    2\n+  ]\n }\n");
    json_decref(d);

    /* hunks far apart are separate; context is 3 lines */
    json_t *big_a = json_object(), *big_b = json_object();
    for (int k = 0; k < 40; k++) {
        char key[16];
        snprintf(key, sizeof key, "k%02d", k);
        json_object_set_new(big_a, key, json_integer(k));
        json_object_set_new(big_b, key, json_integer(k == 2 || k == 30 ? -k : k));
    }
    d = playbook_diff(big_a, big_b, NULL, NULL);
    text = json_string_value(json_object_get(d, "text"));
    CHECK(text && strstr(text, "@@ -1,7 +1,7 @@\n") != NULL);
    CHECK(text && strstr(text, "@@ -29,7 +29,7 @@\n") != NULL);
    json_decref(d);

    /* not objects: still a diff */
    json_t *n1 = json_integer(1), *s1 = json_string("x");
    d = playbook_diff(n1, s1, NULL, NULL);
    CHECK_INT(json_array_size(json_object_get(d, "changes")), 1);
    CHECK_STR(json_string_value(
                  json_object_get(json_array_get(json_object_get(d, "changes"), 0), "pointer")),
              "");
    json_decref(d);

    json_decref(n1);
    json_decref(s1);
    json_decref(big_a);
    json_decref(big_b);
    json_decref(x);
    json_decref(y);
    json_decref(a);
    json_decref(b);
    return check_summary();
}
