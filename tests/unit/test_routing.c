/*  test_routing.c — the route table (routing.h): scope
    validation, the decision rules of docs/openc2.md "Routing", what is
    safe to learn from events, the bounded asset store, and speed with
    10,000 scopes. */
#include "check.h"
#include "routing.h"

static json_t *J(const char *text)
{
    json_error_t err;
    json_t *v = json_loads(text, 0, &err);
    if (!v) {
        fprintf(stderr, "bad test JSON: %s: %s\n", err.text, text);
        abort();
    }
    return v;
}

static const char *ROUTES =
    "{\"alpha\": {\"scopes\": {\"ipv4\": [\"10.1.0.0/16\", \"192.0.2.0/24\"],"
    "                          \"dns_suffixes\": [\"alpha.example\"], \"hostnames\": [\"ws-a*\"],"
    "                          \"identity_domains\": [\"alpha.example\"]},"
    "            \"capabilities\": {\"pairs\": {\"deny\": [\"ipv4_net\", \"ipv4_connection\","
    "                              \"domain_name\"], \"contain\": [\"device\"],"
    "                              \"x-id:suspend\": [], \"query\": [\"features\"]}}},"
    " \"beta\": {\"scopes\": {\"ipv4\": [\"10.2.0.0/16\"], \"ipv6\": [\"2001:db8:b::/48\"],"
    "                         \"dns_suffixes\": [\"beta.example\"],"
    "                         \"identity_domains\": [\"beta.example\"]},"
    "           \"capabilities\": {\"pairs\": {\"deny\": [\"ipv4_net\", \"ipv6_net\", "
    "\"domain_name\"],"
    "                             \"contain\": [\"device\"], \"set\": [\"email_addr\"]}}},"
    " \"hq\": {\"scopes\": {\"ipv4\": [\"10.0.0.0/8\"]}}}";

static route_table_t *table(void)
{
    route_table_t *t = route_table_new(0);
    json_t *sites = J(ROUTES);
    fs_err_t e = {0};
    int rc = route_load_sites(t, sites, &e);
    if (rc != 0)
        fprintf(stderr, "load: %s\n", e.text);
    CHECK_INT(rc, 0);
    json_decref(sites);
    return t;
}

/* The decision as "a,b" (or "" when refused). */
static const char *decide(route_table_t *t, const char *cmd, const char *site, json_t **ex)
{
    static char out[256];
    json_t *c = J(cmd);
    json_t *sites = route_decide(t, c, site, ex);
    out[0] = '\0';
    size_t i;
    json_t *v;
    json_array_foreach(sites, i, v)
    {
        size_t n = strlen(out);
        snprintf(out + n, sizeof out - n, "%s%s", i ? "," : "", json_string_value(v));
    }
    json_decref(sites);
    json_decref(c);
    return out;
}

static void test_scope_errors(void)
{
    route_table_t *t = route_table_new(0);
    fs_err_t e = {0};
    json_t *s = J("{\"ipv4\": [\"10.0.0.0/8\", \"10.1.2.3/16\"]}");
    CHECK_INT(route_set_scopes(t, "alpha", s, &e), -1);
    CHECK(strstr(e.text, "site alpha: $.scopes.ipv4[1]") != NULL);
    CHECK(strstr(e.text, "10.1.0.0/16") != NULL); /* says what to write instead */
    json_decref(s);
    s = J("{\"ipv6\": [\"2001:db8::/129\"]}");
    CHECK_INT(route_set_scopes(t, "beta", s, &e), -1);
    CHECK(strstr(e.text, "site beta: $.scopes.ipv6[0]") != NULL);
    json_decref(s);
    s = J("{\"ipv5\": []}");
    CHECK_INT(route_set_scopes(t, "alpha", s, &e), -1);
    CHECK(strstr(e.text, "$.scopes.ipv5: unknown member") != NULL);
    json_decref(s);
    s = J("{\"hostnames\": [\"*\"]}");
    CHECK_INT(route_set_scopes(t, "alpha", s, &e), -1);
    CHECK(strstr(e.text, "$.scopes.hostnames[0]") != NULL);
    json_decref(s);
    s = J("{\"dns_suffixes\": [\"bad..example\"]}");
    CHECK_INT(route_set_scopes(t, "alpha", s, &e), -1);
    CHECK(strstr(e.text, "$.scopes.dns_suffixes[0]") != NULL);
    json_decref(s);
    s = J("{\"dns_suffixes\": [7]}");
    CHECK_INT(route_set_scopes(t, "alpha", s, &e), -1);
    CHECK(strstr(e.text, "expected a string") != NULL);
    json_decref(s);
    CHECK_INT(route_site_count(t), 0); /* failed calls added nothing */
    s = J("{\"pairs\": {\"deny\": \"ipv4_net\"}}");
    CHECK_INT(route_set_capabilities(t, "alpha", s, &e), -1);
    CHECK(strstr(e.text, "site alpha: $.capabilities.pairs.deny") != NULL);
    json_decref(s);
    /* all or nothing */
    s = J("{\"a\": {\"scopes\": {\"ipv4\": [\"10.0.0.0/8\"]}}, \"b\": {\"scopes\": {\"ipv4\": "
          "[\"x\"]}}}");
    CHECK_INT(route_load_sites(t, s, &e), -1);
    CHECK(strstr(e.text, "$.sites.b.scopes.ipv4[0]") != NULL);
    CHECK_INT(route_site_count(t), 0);
    json_decref(s);
    s = J("{\"a\": {\"scope\": {}}}");
    CHECK_INT(route_load_sites(t, s, &e), -1);
    CHECK(strstr(e.text, "$.sites.a.scope: unknown key (expected one of: scopes, capabilities)") !=
          NULL);
    json_decref(s);
    route_table_destroy(&t);
    route_table_destroy(&t); /* idempotent */
    CHECK(t == NULL);
}

static void test_decisions(void)
{
    route_table_t *t = table();
    json_t *ex = NULL;
    /* owner by the most specific scope: alpha's /16 beats hq's /8 */
    CHECK_STR(decide(t, "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"ws-a1\"}}}",
                     NULL, NULL),
              "alpha");
    CHECK_STR(
        decide(
            t,
            "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"db.BETA.example.\"}}}",
            NULL, NULL),
        "beta");
    /* network deny inside a scope: every overlapping site that can */
    CHECK_STR(decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.1.2.3\"}}", NULL, &ex),
              "alpha");
    CHECK_STR(json_string_value(json_object_get(ex, "rule")), "owner");
    json_decref(ex);
    CHECK_STR(
        decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.0/8\"}}", NULL, NULL),
        "alpha,beta");
    /* network deny of an external address: perimeter block everywhere it can be done */
    CHECK_STR(
        decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"198.51.100.7\"}}", NULL, &ex),
        "alpha,beta");
    CHECK_STR(json_string_value(json_object_get(ex, "rule")), "perimeter");
    CHECK_INT(json_array_size(json_object_get(ex, "considered")), 3);
    json_decref(ex);
    CHECK_STR(decide(t, "{\"action\":\"deny\",\"target\":{\"ipv6_net\":\"2001:db8:b:1::/64\"}}",
                     NULL, NULL),
              "beta");
    CHECK_STR(decide(t, "{\"action\":\"deny\",\"target\":{\"domain_name\":\"evil.example.net\"}}",
                     NULL, NULL),
              "alpha,beta");
    CHECK_STR(decide(t, "{\"action\":\"deny\",\"target\":{\"domain_name\":\"intra.beta.example\"}}",
                     NULL, NULL),
              "beta");
    /* a connection: the site that holds either end */
    CHECK_STR(decide(t,
                     "{\"action\":\"deny\",\"target\":{\"ipv4_connection\":{\"src_addr\":\"198.51."
                     "100.7\",\"dst_addr\":\"192.0.2.10\",\"protocol\":\"tcp\"}}}",
                     NULL, NULL),
              "alpha");
    /* identity: the user's domain */
    CHECK_STR(decide(t, "{\"action\":\"set\",\"target\":{\"email_addr\":\"Bob@beta.example\"}}",
                     NULL, NULL),
              "beta");
    /* refusals: holds it but cannot; nobody holds it; no locator */
    CHECK_STR(
        decide(t, "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"x.corp.hq\"}}}",
               NULL, &ex),
        "");
    CHECK_STR(json_string_value(json_object_get(ex, "decision")), "refused");
    CHECK(strstr(json_string_value(json_object_get(ex, "reason")), "no site") != NULL);
    json_decref(ex);
    CHECK_STR(decide(t, "{\"action\":\"contain\",\"target\":{\"device\":{\"device_id\":\"abc\"}}}",
                     NULL, NULL),
              "");
    CHECK_STR(decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.3.0.1\"}}", NULL, &ex),
              "");
    CHECK(strstr(json_string_value(json_object_get(ex, "reason")), "none can") != NULL);
    json_decref(ex);
    CHECK_STR(
        decide(t, "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"x.exe\"}}}", NULL, &ex),
        "");
    CHECK(strstr(json_string_value(json_object_get(ex, "reason")), "name the site") != NULL);
    json_decref(ex);
    /* explicit site: wins when capable, refused with a reason otherwise */
    CHECK_STR(
        decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.1.2.3\"}}", "beta", NULL),
        "beta");
    CHECK_STR(decide(t, "{\"action\":\"deny\",\"target\":{\"ipv6_net\":\"::1\"}}", "alpha", &ex),
              "");
    CHECK(strstr(json_string_value(json_object_get(ex, "reason")), "cannot 'deny ipv6_net'") !=
          NULL);
    json_decref(ex);
    CHECK_STR(decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"1.2.3.4\"}}", "hq", NULL),
              "");
    CHECK_STR(
        decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"1.2.3.4\"}}", "nowhere", &ex),
        "");
    CHECK(strstr(json_string_value(json_object_get(ex, "reason")), "not known") != NULL);
    json_decref(ex);
    /* URIs route by their host; actuator specifiers locate the enforcement point */
    CHECK_STR(
        decide(
            t,
            "{\"action\":\"deny\",\"target\":{\"uri\":\"https://u:p@portal.beta.example:8443/x\"}}",
            NULL, NULL),
        "");
    CHECK_STR(decide(t,
                     "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"198.51.100.7\"},\"actuator\":"
                     "{\"slpf\":{\"hostname\":\"fw1.beta.example\"}}}",
                     NULL, &ex),
              "beta");
    CHECK_STR(json_string_value(json_object_get(ex, "rule")), "actuator");
    json_decref(ex);
    /* not a command */
    CHECK_STR(decide(t, "{\"action\":\"deny\"}", NULL, &ex), "");
    CHECK_STR(json_string_value(json_object_get(ex, "decision")), "refused");
    json_decref(ex);
    json_t *nul = route_decide(NULL, NULL, NULL, NULL);
    CHECK_INT(json_array_size(nul), 0);
    json_decref(nul);
    route_table_destroy(&t);
}

static void test_learning(void)
{
    route_table_t *t = table();
    int64_t now = 1700000000000;
    /* an IDS alert at alpha: its own host 10.1.5.5 is attacked by 203.0.113.9 */
    json_t *ev = J(
        "{\"class_uid\": 4001, \"device\": {\"hostname\": \"sensor1\", \"ip\": \"10.1.0.2\"},"
        " \"src_endpoint\": {\"ip\": \"203.0.113.9\", \"hostname\": \"evil\"},"
        " \"dst_endpoint\": {\"ip\": \"10.1.5.5\", \"hostname\": \"payroll\"},"
        " \"actor\": {\"user\": {\"name\": \"carol\", \"email_addr\": \"carol@alpha.example\"}}}");
    CHECK_INT(route_learn(t, "alpha", ev, now),
              6); /* device ip+host, dst ip+host, user name+mail */
    CHECK_INT(route_learn(t, "nosuchsite", ev, now), 0);
    json_decref(ev);
    /* the attacker address did not become alpha's: still a perimeter block */
    json_t *ex = NULL;
    CHECK_STR(
        decide(t, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"203.0.113.9\"}}", NULL, &ex),
        "alpha,beta");
    CHECK_STR(json_string_value(json_object_get(ex, "rule")), "perimeter");
    json_decref(ex);
    CHECK_STR(decide(t, "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"evil\"}}}",
                     NULL, NULL),
              "");
    /* the site's own hosts, learned by name */
    CHECK_STR(decide(t,
                     "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"payroll\"}}}",
                     NULL, &ex),
              "alpha");
    char *dump = json_dumps(json_object_get(ex, "considered"), 0);
    CHECK(dump && strstr(dump, "learned") != NULL);
    free(dump);
    json_decref(ex);
    CHECK_STR(decide(t,
                     "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"sensor1\"}}}",
                     NULL, NULL),
              "alpha");
    /* a failed login's user name is attacker-chosen: not learned */
    ev = J(
        "{\"class_uid\": 3002, \"status_id\": 2, \"actor\": {\"user\": {\"name\": \"mallory\"}}}");
    CHECK_INT(route_learn(t, "beta", ev, now), 0);
    json_decref(ev);
    /* a site claiming another site's declared address, host or user is not
       believed, and learns none of them (issue 11: a site speaks only for
       itself) */
    ev = J("{\"device\": {\"ip\": \"10.2.9.9\", \"hostname\": \"db.beta.example\"},"
           " \"actor\": {\"user\": {\"name\": \"bob@beta.example\"}}}");
    CHECK_INT(route_learn(t, "alpha", ev, now), 0);
    json_decref(ev);
    /* an address outside every scope, from a site that declares its networks */
    ev = J("{\"device\": {\"ip\": \"198.51.100.77\"}}");
    CHECK_INT(route_learn(t, "alpha", ev, now), 0);
    json_decref(ev);
    CHECK_STR(decide(t,
                     "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"h\"}},"
                     "\"actuator\":{\"x-edr\":{\"ip\":\"10.2.9.9\"}}}",
                     NULL, NULL),
              "beta");
    /* overlapping private ranges (a merger): learning breaks the tie */
    json_t *s = J("{\"ipv4\": [\"172.16.0.0/12\"]}");
    fs_err_t e = {0};
    CHECK_INT(route_set_scopes(t, "alpha", s, &e), 0);
    CHECK_INT(route_set_scopes(t, "beta", s, &e), 0);
    json_decref(s);
    const char *cmd = "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"h\"}},"
                      "\"actuator\":{\"x-edr\":{\"ip\":\"172.16.4.4\"}}}";
    CHECK_STR(decide(t, cmd, NULL, NULL), "alpha,beta");
    ev = J("{\"device\": {\"ip\": \"172.16.4.4\"}}");
    route_learn(t, "beta", ev, now);
    json_decref(ev);
    CHECK_STR(decide(t, cmd, NULL, NULL), "beta");
    route_table_destroy(&t);

    /* bounded: the least recently seen is evicted */
    t = route_table_new(3);
    s = J("{\"alpha\": {\"capabilities\": {\"pairs\": {\"contain\": [\"device\"]}}}}");
    CHECK_INT(route_load_sites(t, s, &e), 0);
    json_decref(s);
    const char *hosts[] = {"h1", "h2", "h3", "h4"};
    for (int i = 0; i < 4; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"device\": {\"hostname\": \"%s\"}}", hosts[i]);
        ev = J(text);
        CHECK_INT(route_learn(t, "alpha", ev, now + i), 1);
        if (i == 2) { /* h1 seen again: h2 becomes the oldest */
            json_t *again = J("{\"device\": {\"hostname\": \"h1\"}}");
            CHECK_INT(route_learn(t, "alpha", again, now + 9), 1);
            json_decref(again);
        }
        json_decref(ev);
    }
    CHECK_INT(route_asset_count(t), 3);
    CHECK_STR(decide(t, "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"h1\"}}}",
                     NULL, NULL),
              "alpha");
    CHECK_STR(decide(t, "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"h2\"}}}",
                     NULL, NULL),
              "");
    CHECK_STR(decide(t, "{\"action\":\"contain\",\"target\":{\"device\":{\"hostname\":\"h4\"}}}",
                     NULL, NULL),
              "alpha");
    /* churn through many keys stays bounded and consistent */
    for (int i = 0; i < 1000; i++) {
        char text[128];
        snprintf(text, sizeof text, "{\"device\": {\"hostname\": \"n%d\", \"ip\": \"10.9.%d.%d\"}}",
                 i % 7, i % 5, i % 3);
        ev = J(text);
        route_learn(t, "alpha", ev, now + 100 + i);
        json_decref(ev);
    }
    CHECK_INT(route_asset_count(t), 3);
    route_table_destroy(&t);
}

static void test_speed(void)
{
    /* 100 sites x 100 IPv4 scopes = 10,000 scopes */
    route_table_t *t = route_table_new(0);
    fs_err_t e = {0};
    for (int s = 0; s < 100; s++) {
        json_t *arr = json_array();
        for (int k = 0; k < 100; k++) {
            char cidr[32];
            snprintf(cidr, sizeof cidr, "10.%d.%d.0/24", s, k);
            json_array_append_new(arr, json_string(cidr));
        }
        json_t *sc = json_pack("{s:o}", "ipv4", arr);
        char name[16];
        snprintf(name, sizeof name, "s%d", s);
        CHECK_INT(route_set_scopes(t, name, sc, &e), 0);
        json_t *caps = J("{\"pairs\": {\"deny\": [\"ipv4_net\"], \"contain\": [\"device\"]}}");
        route_set_capabilities(t, name, caps, &e);
        json_decref(caps);
        json_decref(sc);
    }
    json_t *cmd = J("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.42.17.9\"}}");
    int64_t t0 = fs_mono_ms();
    int n = 100000, ok = 0;
    for (int i = 0; i < n; i++) {
        json_t *r = route_decide(t, cmd, NULL, NULL);
        ok +=
            json_array_size(r) == 1 && strcmp(json_string_value(json_array_get(r, 0)), "s42") == 0;
        json_decref(r);
    }
    int64_t ms = fs_mono_ms() - t0;
    CHECK_INT(ok, n);
    printf("routing: %d decisions with 10,000 scopes in %lld ms\n", n, (long long)ms);
    CHECK(ms < 5000);
    json_decref(cmd);
    route_table_destroy(&t);
}

int main(void)
{
    test_scope_errors();
    test_decisions();
    test_learning();
    test_speed();
    return check_summary();
}
