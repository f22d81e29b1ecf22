/*  registry.c — the one registry of integrations (plugin.h): every source,
    analyzer/responder and actuator type the adapter can run, in the order
    --list-connectors shows them.  Adding an integration is one line here
    plus its file (docs/internals/adapters.md, "Adding a connector"). */
#include "adapter_internal.h"

#include <string.h>

/* threat intelligence platforms and sandboxes (issue 17.1) */
extern const adapter_plugin_t source_misp_events, source_threatstream_indicators,
    connector_misp_search, connector_threatstream_lookup, connector_joesandbox_verdict,
    connector_anyrun_verdict, actuator_joesandbox, actuator_anyrun, source_threatq_indicators,
    connector_threatq_lookup;
/* sources/ */
extern const adapter_plugin_t source_crowdstrike_alerts, source_okta_logs, source_graph_alerts,
    source_mde_alerts, source_entra_signins, source_entra_audits, source_sentinel_incidents,
    source_sentinelone_threats, source_splunk_export, source_file_tail, source_syslog,
    source_webhook, source_splunk_webhook, source_replay, source_tenable_vulns;
/* responders/ (analyzers and responders) */
extern const adapter_plugin_t connector_exec, connector_cortex, connector_virustotal,
    connector_okta_suspend_user, connector_okta_clear_sessions, connector_entra_disable_account,
    connector_entra_revoke_sessions, connector_jira_issue, connector_slack_message,
    connector_teams_message, connector_servicenow_incident, connector_http_json,
    connector_crowdstrike_host_context, connector_okta_user_context, connector_entra_user_context,
    connector_redmine_issue;
/* actuators/ */
extern const adapter_plugin_t actuator_record_only, actuator_slpf_nft, actuator_crowdstrike_falcon,
    actuator_defender_endpoint, actuator_openc2_https, actuator_panos, actuator_manual;
/* IBM QRadar (issue 17.1) */
extern const adapter_plugin_t source_qradar_offenses, connector_qradar_close_offense;
/* Active Directory over LDAP(S) (issue 17.1) */
extern const adapter_plugin_t connector_ldap_user_context, connector_ldap_disable_account,
    connector_ldap_force_password_reset;
/* email notifications (issue 14.6) */
extern const adapter_plugin_t connector_smtp_email;

static const adapter_plugin_t *const registry[] = {
    &source_crowdstrike_alerts,
    &source_okta_logs,
    &source_graph_alerts,
    &source_mde_alerts,
    &source_entra_signins,
    &source_entra_audits,
    &source_sentinel_incidents,
    &source_sentinelone_threats,
    &source_splunk_export,
    &source_tenable_vulns,
    &source_qradar_offenses,
    &source_file_tail,
    &source_syslog,
    &source_webhook,
    &source_splunk_webhook,
    &source_misp_events,
    &source_threatstream_indicators,
    &source_threatq_indicators,
    &source_replay, /* internal: --replay and the config's "replay" */
    &connector_exec,
    &connector_cortex,
    &connector_virustotal,
    &connector_okta_suspend_user,
    &connector_okta_clear_sessions,
    &connector_entra_disable_account,
    &connector_entra_revoke_sessions,
    &connector_jira_issue,
    &connector_slack_message,
    &connector_teams_message,
    &connector_smtp_email,
    &connector_servicenow_incident,
    &connector_redmine_issue,
    &connector_misp_search,
    &connector_threatstream_lookup,
    &connector_joesandbox_verdict,
    &connector_anyrun_verdict,
    &connector_threatq_lookup,
    &connector_http_json,
    &connector_crowdstrike_host_context,
    &connector_okta_user_context,
    &connector_entra_user_context,
    &connector_qradar_close_offense,
    &connector_ldap_user_context,
    &connector_ldap_disable_account,
    &connector_ldap_force_password_reset,
    &actuator_record_only,
    &actuator_slpf_nft,
    &actuator_crowdstrike_falcon,
    &actuator_defender_endpoint,
    &actuator_openc2_https,
    &actuator_panos,
    &actuator_manual,
    &actuator_joesandbox,
    &actuator_anyrun,
};

const adapter_plugin_t *const *adapter_plugins(size_t *count)
{
    *count = sizeof registry / sizeof *registry;
    return registry;
}

const adapter_plugin_t *adapter_plugin_find(adapter_plugin_kind_t kind, const char *type,
                                            fs_err_t *e)
{
    if (e)
        e->text[0] = '\0';
    for (size_t i = 0; type && i < sizeof registry / sizeof *registry; i++) {
        const adapter_plugin_t *p = registry[i];
        if (p->kind != kind || strcmp(p->type, type) != 0)
            continue;
        if (p->api_version != ADAPTER_PLUGIN_VERSION) {
            fs_err_set(e, "%s speaks plugin API %d, not %d (plugin.h)", type, p->api_version,
                       ADAPTER_PLUGIN_VERSION);
            return NULL;
        }
        return p;
    }
    return NULL;
}

json_t *adapter_known_types(void)
{
    json_t *out = json_array();
    for (size_t i = 0; i < sizeof registry / sizeof *registry; i++) {
        const adapter_plugin_t *p = registry[i];
        if (p->flags & ADAPTER_PLUGIN_INTERNAL)
            continue;
        json_t *t = NULL;
        switch (p->kind) {
        case ADAPTER_PLUGIN_SOURCE:
            t = json_pack("{s:s, s:s, s:s, s:s}", "kind", "source", "type", p->type, "source_id",
                          p->source_id ? p->source_id : "(config)", "summary", p->summary);
            break;
        case ADAPTER_PLUGIN_CONNECTOR:
            t = json_pack("{s:s, s:s, s:s}", "kind", "connector", "type", p->type, "summary",
                          p->summary ? p->summary : "");
            break;
        case ADAPTER_PLUGIN_ACTUATOR:
            t = json_pack("{s:s, s:s, s:s, s:s}", "kind", "actuator", "type", p->type, "profile",
                          p->profile, "summary", p->summary ? p->summary : "");
            break;
        }
        json_array_append_new(out, t);
    }
    return out;
}
