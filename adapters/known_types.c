/*  known_types.c — every source, analyzer/responder and actuator type the
    adapter can run, for `fedsoar-adapter --list-connectors`. */
#include "adapter_internal.h"

#include <string.h>

static const struct {
    const char *type, *summary;
} summaries[] = {
    {"record-only",
     "OpenC2 any SLPF command, recorded to STATE_DIR/record-only.jsonl, not enforced"},
    {"slpf-nft", "OpenC2 SLPF deny/allow/delete/update on nftables (needs CAP_NET_ADMIN)"},
    {"crowdstrike-falcon",
     "OpenC2 contain/allow device -> Falcon host containment (devices-actions/v2)"},
    {"defender-endpoint",
     "OpenC2 contain/allow device -> Defender for Endpoint machine isolate/unisolate"},
    {"exec", "analyzer/responder: a local program, Cortex-style JSON job on stdin, JSON on stdout"},
    {"virustotal", "analyzer: VirusTotal v3 verdict for an ip, hash, domain or url"},
    {"okta-suspend-user", "responder: suspend an Okta user (lifecycle/suspend)"},
    {"okta-clear-sessions", "responder: clear an Okta user's sessions"},
    {"entra-disable-account", "responder: disable an Entra ID account (accountEnabled=false)"},
    {"entra-revoke-sessions", "responder: revoke an Entra ID user's sign-in sessions"},
    {"jira-issue", "responder: open a Jira issue (/rest/api/2/issue)"},
    {"teams-message", "responder: post a MessageCard / Adaptive Card to a Teams incoming webhook"},
    {"servicenow-incident", "responder: open, update or close a ServiceNow incident (Table API)"},
    {"http-json",
     "analyzer: one configured HTTP call, fields picked from its JSON answer by JSON pointer"},
    {"crowdstrike-host-context",
     "analyzer: a host as Falcon knows it (device, IPs, last seen, tags, logged-on users)"},
    {"okta-user-context", "analyzer: an Okta user, their groups and recent sign-ins (System Log)"},
    {"entra-user-context",
     "analyzer: an Entra ID user, their groups/roles and recent sign-ins (Graph)"},
    {"slack-message", "responder: post to a Slack channel (chat.postMessage)"},
    {"panos", "OpenC2 SLPF deny/allow ipv4_net -> PAN-OS address group (XML API set + commit)"},
    {"openc2-https", "OpenC2 commands forwarded to a native consumer over HTTPS (mutual TLS)"},
};

static const char *summary_of(const char *type)
{
    for (size_t i = 0; i < sizeof summaries / sizeof *summaries; i++)
        if (strcmp(summaries[i].type, type) == 0)
            return summaries[i].summary;
    return "";
}

json_t *adapter_known_types(void)
{
    json_t *out = json_array();
    for (size_t i = 0; i < adapter_known_source_count; i++) {
        const source_ops_t *s = adapter_known_sources[i];
        json_array_append_new(
            out, json_pack("{s:s, s:s, s:s, s:s}", "kind", "source", "type", s->type, "source_id",
                           s->source_id ? s->source_id : "(config)", "summary", s->summary));
    }
    for (size_t i = 0; i < adapter_known_connector_count; i++) {
        const connector_ops_t *c = adapter_known_connectors[i];
        json_array_append_new(out, json_pack("{s:s, s:s, s:s}", "kind", "connector", "type",
                                             c->type, "summary", summary_of(c->type)));
    }
    for (size_t i = 0; i < adapter_known_actuator_count; i++) {
        const actuator_ops_t *a = adapter_known_actuators[i];
        json_array_append_new(out,
                              json_pack("{s:s, s:s, s:s, s:s}", "kind", "actuator", "type", a->name,
                                        "profile", a->profile, "summary", summary_of(a->name)));
    }
    return out;
}
