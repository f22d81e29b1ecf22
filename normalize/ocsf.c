/*  ocsf.c — the OCSF 1.8.0 facts the engine derives instead of asking every
    mapping to repeat them: type_uid = class_uid * 100 + activity_id, and the
    caption siblings (class_name, category_name, activity_name, type_name,
    severity) of the ids a mapping set.  Only the classes fedsoar maps are
    listed (names as in the OCSF 1.8.0 schema; every class_uid a shipped
    mapping sets must be here, test_normalize checks it); an unknown id
    keeps its number and gets no caption. */
#include "internal.h"

#include <pthread.h>
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
    {1007,
     1,
     "Process Activity",
     {"Unknown", "Launch", "Terminate", "Open", "Inject", "Set User ID"}},
    {2002, 2, "Vulnerability Finding", {"Unknown", "Create", "Update", "Close"}},
    {2004, 2, "Detection Finding", {"Unknown", "Create", "Update", "Close"}},
    {2005, 2, "Incident Finding", {"Unknown", "Create", "Update", "Close"}},
    {3001,
     3,
     "Account Change",
     {"Unknown", "Create", "Enable", "Password Change", "Password Reset", "Disable", "Delete",
      "Attach Policy", "Detach Policy", "Lock", "MFA Factor Enable", "MFA Factor Disable",
      "Unlock"}},
    {3002,
     3,
     "Authentication",
     {"Unknown", "Logon", "Logoff", "Authentication Ticket", "Service Ticket Request",
      "Service Ticket Renew", "Preauth"}},
    {3003, 3, "Authorize Session", {"Unknown", "Assign Privileges", "Assign Groups"}},
    {3004,
     3,
     "Entity Management",
     {"Unknown", "Create", "Read", "Update", "Delete", "Move", "Enable", "Disable", "Activate",
      "Deactivate", "Suspend", "Resume"}},
    {3006,
     3,
     "Group Management",
     {"Unknown", "Assign Privileges", "Revoke Privileges", "Add User", "Remove User", "Delete",
      "Create"}},
    {4001,
     4,
     "Network Activity",
     {"Unknown", "Open", "Close", "Reset", "Fail", "Refuse", "Traffic", "Listen"}},
    {4002,
     4,
     "HTTP Activity",
     {"Unknown", "Connect", "Delete", "Get", "Head", "Options", "Post", "Put", "Trace", "Patch"}},
    {4003, 4, "DNS Activity", {"Unknown", "Query", "Response", NULL, NULL, NULL, "Traffic"}},
    {4009, 4, "Email Activity", {"Unknown", "Send", "Receive", "Scan", "Trace"}},
    {5001, 5, "Device Inventory Info", {"Unknown", "Log", "Collect"}},
    {5019, 5, "Device Config State Change", {"Unknown", "Log", "Collect"}},
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

/* ---- shared immutable values --------------------------------------------
   Captions, type names and small integers are the same in every event, so
   they are built once per process and shared (json_incref) instead of being
   allocated per event.  Events therefore share leaves: consumers replace a
   value with json_object_set, never modify a string or number in place
   (normalize.h says so).  jansson's reference counts are atomic, so events
   may move between threads. */

#define NCLASSES (sizeof classes / sizeof classes[0])
#define NCATS (sizeof categories / sizeof categories[0])

static struct {
    json_t *class_name[NCLASSES];
    json_t *activity[NCLASSES][13];
    json_t *type_name[NCLASSES][13];
    json_t *type_name_other[NCLASSES];
    json_t *category[NCATS];
    json_t *severity[8]; /* 0-6, [7] = 99 Other */
    json_t *other;       /* "Other" activity */
    json_t *version;
    json_t *ints[128]; /* 0..127 */
} K;

static pthread_once_t k_once = PTHREAD_ONCE_INIT;

static json_t *type_name_new(const char *cls, const char *act)
{
    char buf[128];
    if (snprintf(buf, sizeof buf, "%s: %s", cls, act) >= (int)sizeof buf)
        buf[sizeof buf - 1] = '\0';
    return json_string(buf);
}

static void k_build(void)
{
    for (size_t i = 0; i < NCLASSES; i++) {
        K.class_name[i] = json_string(classes[i].name);
        for (size_t a = 0; a < 13; a++)
            if (classes[i].activities[a]) {
                K.activity[i][a] = json_string(classes[i].activities[a]);
                K.type_name[i][a] = type_name_new(classes[i].name, classes[i].activities[a]);
            }
        K.type_name_other[i] = type_name_new(classes[i].name, "Other");
    }
    for (size_t i = 0; i < NCATS; i++)
        K.category[i] = json_string(categories[i]);
    for (int i = 0; i <= 6; i++)
        K.severity[i] = json_string(ocsf_severity_name(i));
    K.severity[7] = json_string("Other");
    K.other = json_string("Other");
    K.version = json_string(FS_OCSF_VERSION);
    for (int i = 0; i < 128; i++)
        K.ints[i] = json_integer(i);
}

static void k_init(void)
{
    pthread_once(&k_once, k_build);
}

json_t *ocsf_shared_int(json_int_t v)
{
    k_init();
    return v >= 0 && v < 128 ? json_incref(K.ints[v]) : json_integer(v);
}

json_t *ocsf_shared_version(void)
{
    k_init();
    return json_incref(K.version);
}

/* Sets key to a shared value (borrowed) unless the mapping set it. */
static void set_shared_if_absent(json_t *ev, const char *key, json_t *v)
{
    if (v && !json_object_get(ev, key))
        json_object_set_nocheck(ev, key, v);
}

void ocsf_finish(json_t *ev)
{
    k_init();
    int class_uid = (int)json_integer_value(json_object_get(ev, "class_uid"));
    int activity_id = (int)json_integer_value(json_object_get(ev, "activity_id"));
    const cls_t *c = find_class(class_uid);
    size_t ci = c ? (size_t)(c - classes) : 0;
    if (c && !json_object_get(ev, "category_uid"))
        json_object_set_new_nocheck(ev, "category_uid", ocsf_shared_int(c->category));
    int category_uid = (int)json_integer_value(json_object_get(ev, "category_uid"));
    json_object_set_new_nocheck(ev, "type_uid",
                                json_integer((json_int_t)class_uid * 100 + activity_id));
    set_shared_if_absent(ev, "class_name", c ? K.class_name[ci] : NULL);
    set_shared_if_absent(
        ev, "category_name",
        category_uid >= 0 && (size_t)category_uid < NCATS ? K.category[category_uid] : NULL);
    json_t *act = NULL, *type_name = NULL;
    if (activity_id == 99) {
        act = K.other;
        type_name = c ? K.type_name_other[ci] : NULL;
    } else if (c && activity_id >= 0 && activity_id < 13) {
        act = K.activity[ci][activity_id];
        type_name = K.type_name[ci][activity_id];
    }
    set_shared_if_absent(ev, "activity_name", act);
    set_shared_if_absent(ev, "type_name", type_name);
    int sev = (int)json_integer_value(json_object_get(ev, "severity_id"));
    set_shared_if_absent(ev, "severity",
                         sev >= 0 && sev <= 6 ? K.severity[sev]
                         : sev == 99          ? K.severity[7]
                                              : NULL);
}
