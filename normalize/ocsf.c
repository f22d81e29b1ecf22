/*  ocsf.c — the OCSF 1.8.0 facts the engine derives instead of asking every
    mapping to repeat them: type_uid = class_uid * 100 + activity_id, and the
    caption siblings (class_name, category_name, activity_name, type_name,
    severity) of the ids a mapping set.  Only the classes fedsoar maps are
    listed; an unknown id keeps its number and gets no caption. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

typedef struct cls {
    int uid;
    int category;
    const char *name;
    const char *activities[13]; /* index = activity_id */
} cls_t;

static const cls_t classes[] = {
    {0, 0, "Base Event", {"Unknown"}},
    {1007, 1, "Process Activity", {"Unknown", "Launch", "Terminate", "Open", "Inject", "Set User ID"}},
    {2004, 2, "Detection Finding", {"Unknown", "Create", "Update", "Close"}},
    {2005, 2, "Incident Finding", {"Unknown", "Create", "Update", "Close"}},
    {3001, 3, "Account Change",
     {"Unknown", "Create", "Enable", "Password Change", "Password Reset", "Disable", "Delete",
      "Attach Policy", "Detach Policy", "Lock", "MFA Factor Enable", "MFA Factor Disable",
      "Unlock"}},
    {3002, 3, "Authentication",
     {"Unknown", "Logon", "Logoff", "Authentication Ticket", "Service Ticket Request",
      "Service Ticket Renew", "Preauth"}},
    {3003, 3, "Authorize Session", {"Unknown", "Assign Privileges", "Assign Groups"}},
    {3004, 3, "Entity Management",
     {"Unknown", "Create", "Read", "Update", "Delete", "Move", "Enable", "Disable", "Activate",
      "Deactivate", "Suspend", "Resume"}},
    {3006, 3, "Group Management",
     {"Unknown", "Assign Privileges", "Revoke Privileges", "Add User", "Remove User", "Delete",
      "Create"}},
    {4001, 4, "Network Activity",
     {"Unknown", "Open", "Close", "Reset", "Fail", "Refuse", "Traffic", "Listen"}},
    {4002, 4, "HTTP Activity",
     {"Unknown", "Connect", "Delete", "Get", "Head", "Options", "Post", "Put", "Trace", "Patch"}},
    {4003, 4, "DNS Activity", {"Unknown", "Query", "Response", NULL, NULL, NULL, "Traffic"}},
    {4009, 4, "Email Activity", {"Unknown", "Send", "Receive", "Scan", "Trace"}},
    {6003, 6, "API Activity", {"Unknown", "Create", "Read", "Update", "Delete"}},
};

static const char *const categories[] = {"Uncategorized",
                                         "System Activity",
                                         "Findings",
                                         "Identity & Access Management",
                                         "Network Activity",
                                         "Discovery",
                                         "Application Activity",
                                         "Remediation",
                                         "Unmanned Systems"};

static const cls_t *find_class(int uid)
{
    for (size_t i = 0; i < sizeof classes / sizeof classes[0]; i++)
        if (classes[i].uid == uid)
            return &classes[i];
    return NULL;
}

const char *ocsf_class_name(int class_uid)
{
    const cls_t *c = find_class(class_uid);
    return c ? c->name : NULL;
}

const char *ocsf_category_name(int category_uid)
{
    if (category_uid >= 0 && (size_t)category_uid < sizeof categories / sizeof categories[0])
        return categories[category_uid];
    return NULL;
}

const char *ocsf_severity_name(int severity_id)
{
    static const char *const names[] = {"Unknown", "Informational", "Low",  "Medium",
                                        "High",    "Critical",      "Fatal"};
    if (severity_id >= 0 && severity_id <= 6)
        return names[severity_id];
    return severity_id == 99 ? "Other" : NULL;
}

static void set_if_absent(json_t *ev, const char *key, const char *s)
{
    if (s && !json_object_get(ev, key))
        json_object_set_new(ev, key, json_string(s));
}

void ocsf_finish(json_t *ev)
{
    int class_uid = (int)json_integer_value(json_object_get(ev, "class_uid"));
    int activity_id = (int)json_integer_value(json_object_get(ev, "activity_id"));
    const cls_t *c = find_class(class_uid);
    if (c && !json_object_get(ev, "category_uid"))
        json_object_set_new(ev, "category_uid", json_integer(c->category));
    int category_uid = (int)json_integer_value(json_object_get(ev, "category_uid"));
    json_object_set_new(ev, "type_uid", json_integer((json_int_t)class_uid * 100 + activity_id));
    set_if_absent(ev, "class_name", c ? c->name : NULL);
    set_if_absent(ev, "category_name", ocsf_category_name(category_uid));
    const char *act = NULL;
    if (activity_id == 99)
        act = "Other";
    else if (c && activity_id >= 0 && activity_id < 13)
        act = c->activities[activity_id];
    set_if_absent(ev, "activity_name", act);
    if (c && act && !json_object_get(ev, "type_name")) {
        char buf[128];
        snprintf(buf, sizeof buf, "%s: %s", c->name, act);
        json_object_set_new(ev, "type_name", json_string(buf));
    }
    json_t *sev = json_object_get(ev, "severity_id");
    set_if_absent(ev, "severity", ocsf_severity_name((int)json_integer_value(sev)));
}
