/*  openc2_slpf.c — the built-in SLPF v1.0 profile (OpenC2 Actuator Profile
    for Stateless Packet Filtering v1.0, CS01, 11 July 2019). The profile is
    data in the same format as a profile file (docs/openc2.md); this file
    adds only the few SLPF MUSTs a table cannot express.

    Table 2.3-1 (Command Matrix) is "pairs"; Table 2.3-2 (Command Arguments
    Matrix) is "arguments"; 2.1.2.2, 2.1.3.2, 2.1.4 and 2.2.2 are the slpf
    namespace. CS01 lists domain_name for allow/deny (the TC's v1.0.1 JSON
    schema omits it); it is kept, as in the prose. */
#include "openc2_internal.h"

#include <string.h>

static const char slpf_description[] =
    "{"
    "\"profile\": \"slpf\","
    "\"title\": \"OpenC2 Actuator Profile for Stateless Packet Filtering v1.0 (CS01)\","
    "\"uri\": \"https://docs.oasis-open.org/openc2/oc2slpf/v1.0/oc2slpf-v1.0.html\","
    "\"rules\": \"slpf-v1.0\","
    "\"namespaces\": {\"slpf\": {"
    "  \"targets\": {\"rule_number\": \"integer\"},"
    "  \"args\": {\"type\": \"map\", \"min_fields\": 1, \"fields\": {"
    "     \"drop_process\": {\"type\": \"enum\", \"values\": [\"none\", \"reject\", "
    "\"false_ack\"]},"
    "     \"persistent\": \"boolean\","
    "     \"direction\": {\"type\": \"enum\", \"values\": [\"both\", \"ingress\", \"egress\"]},"
    "     \"insert_rule\": \"integer\"}},"
    "  \"actuator\": {\"type\": \"map\", \"fields\": {"
    "     \"hostname\": \"string\", \"named_group\": \"string\", \"asset_id\": \"string\","
    "     \"asset_tuple\": {\"type\": \"array\", \"items\": \"string\", \"min_items\": 1, "
    "                      \"max_items\": 10}}},"
    "  \"results\": {\"type\": \"map\", \"fields\": {\"rule_number\": \"integer\"}}"
    "}},"
    "\"pairs\": {"
    "  \"allow\": [\"ipv4_connection\", \"ipv6_connection\", \"ipv4_net\", \"ipv6_net\", "
    "             \"domain_name\"],"
    "  \"deny\": [\"ipv4_connection\", \"ipv6_connection\", \"ipv4_net\", \"ipv6_net\", "
    "            \"domain_name\"],"
    "  \"query\": [\"features\"],"
    "  \"delete\": [\"slpf:rule_number\"],"
    "  \"update\": [\"file\"]"
    "},"
    "\"arguments\": {"
    "  \"allow\": [\"response_requested\", \"start_time\", \"stop_time\", \"duration\", "
    "             \"slpf.persistent\", \"slpf.direction\", \"slpf.insert_rule\"],"
    "  \"deny\": [\"response_requested\", \"start_time\", \"stop_time\", \"duration\", "
    "            \"slpf.persistent\", \"slpf.direction\", \"slpf.insert_rule\", "
    "            \"slpf.drop_process\"],"
    "  \"query features\": [\"response_requested\"],"
    "  \"delete slpf:rule_number\": [\"response_requested\", \"start_time\"],"
    "  \"update file\": [\"response_requested\", \"start_time\"]"
    "}"
    "}";

const char *oc2_slpf_description(void)
{
    return slpf_description;
}

bool oc2_slpf_rules(oc2_ctx_t *c, const json_t *cmd, const char *action, const char *target)
{
    const json_t *args = json_object_get(cmd, "args");
    const char *rr = json_string_value(json_object_get(args, "response_requested"));
    const json_t *slpf_args = json_object_get(args, "slpf");

    /* 2.3.1 / 2.3.2: a Producer MUST request "complete" with insert_rule */
    if (json_object_get(slpf_args, "insert_rule") && (!rr || strcmp(rr, "complete") != 0)) {
        size_t mark = oc2_push_key(c, "args");
        size_t m2 = oc2_push_key(c, "slpf");
        size_t m3 = oc2_push_key(c, "insert_rule");
        oc2_bad(c, "insert_rule requires \"response_requested\": \"complete\" (SLPF v1.0 2.3.1)");
        oc2_pop(c, m3);
        oc2_pop(c, m2);
        oc2_pop(c, mark);
        return false;
    }
    if (strcmp(action, "update") == 0 && strcmp(target, "file") == 0) {
        const json_t *file = json_object_get(json_object_get(cmd, "target"), "file");
        /* 2.3.5.1: MUST populate the name specifier; response_requested is
           complete, ack or none */
        if (!json_object_get(file, "name")) {
            size_t mark = oc2_push_key(c, "target");
            size_t m2 = oc2_push_key(c, "file");
            oc2_bad(c, "'update file' needs the file name (SLPF v1.0 2.3.5.1)");
            oc2_pop(c, m2);
            oc2_pop(c, mark);
            return false;
        }
        if (rr && strcmp(rr, "status") == 0) {
            size_t mark = oc2_push_key(c, "args");
            size_t m2 = oc2_push_key(c, "response_requested");
            oc2_bad(c, "'update file' allows response_requested complete, ack or none "
                       "(SLPF v1.0 2.3.5.1)");
            oc2_pop(c, m2);
            oc2_pop(c, mark);
            return false;
        }
    }
    return true;
}
