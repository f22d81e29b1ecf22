/*  ocsf.h — the OCSF 1.8.0 ids fedsoar's code names, in one place.

    The mapping files (the JSON files in normalize/mappings/) write these numbers as data;
    C code that tests or derives an id (normalize's caption table, the
    broker's "does this event open a case" rule) uses these names instead of
    bare numbers.  Only the classes the shipped mappings emit and the broker
    reads are listed; adding a class means adding its line here and its
    caption row in normalize/ocsf.c.

    Pure constants: no functions, no ownership. */
#ifndef FEDSOAR_OCSF_H
#define FEDSOAR_OCSF_H

/* Categories (category_uid). */
#define OCSF_CATEGORY_UNCATEGORIZED 0
#define OCSF_CATEGORY_SYSTEM_ACTIVITY 1
#define OCSF_CATEGORY_FINDINGS 2
#define OCSF_CATEGORY_IDENTITY_ACCESS 3
#define OCSF_CATEGORY_NETWORK_ACTIVITY 4
#define OCSF_CATEGORY_DISCOVERY 5
#define OCSF_CATEGORY_APPLICATION_ACTIVITY 6
#define OCSF_CATEGORY_REMEDIATION 7
#define OCSF_CATEGORY_UNMANNED_SYSTEMS 8

/* Classes (class_uid = category_uid * 1000 + class number). */
#define OCSF_CLASS_BASE_EVENT 0
#define OCSF_CLASS_PROCESS_ACTIVITY 1007
#define OCSF_CLASS_DETECTION_FINDING 2004
#define OCSF_CLASS_INCIDENT_FINDING 2005
#define OCSF_CLASS_ACCOUNT_CHANGE 3001
#define OCSF_CLASS_AUTHENTICATION 3002
#define OCSF_CLASS_AUTHORIZE_SESSION 3003
#define OCSF_CLASS_ENTITY_MANAGEMENT 3004
#define OCSF_CLASS_GROUP_MANAGEMENT 3006
#define OCSF_CLASS_NETWORK_ACTIVITY 4001
#define OCSF_CLASS_HTTP_ACTIVITY 4002
#define OCSF_CLASS_DNS_ACTIVITY 4003
#define OCSF_CLASS_EMAIL_ACTIVITY 4009
#define OCSF_CLASS_API_ACTIVITY 6003

/* type_uid = class_uid * 100 + activity_id (OCSF's rule; normalize derives it). */
#define OCSF_TYPE_UID(class_uid, activity_id) ((class_uid)*100 + (activity_id))

/* Activity ids shared by the finding classes (2004, 2005). */
#define OCSF_FINDING_ACTIVITY_UNKNOWN 0
#define OCSF_FINDING_ACTIVITY_CREATE 1
#define OCSF_FINDING_ACTIVITY_UPDATE 2
#define OCSF_FINDING_ACTIVITY_CLOSE 3

/* A finding (Detection or Incident) is what opens or joins a case. */
#define OCSF_CLASS_IS_FINDING(class_uid)                                                           \
    ((class_uid) == OCSF_CLASS_DETECTION_FINDING || (class_uid) == OCSF_CLASS_INCIDENT_FINDING)

/* Observable type ids (observables[].type_id) the code tests. */
#define OCSF_OBSERVABLE_HOSTNAME 1
#define OCSF_OBSERVABLE_IP_ADDRESS 2
#define OCSF_OBSERVABLE_MAC_ADDRESS 3
#define OCSF_OBSERVABLE_USER_NAME 4
#define OCSF_OBSERVABLE_EMAIL_ADDRESS 5
#define OCSF_OBSERVABLE_URL_STRING 6
#define OCSF_OBSERVABLE_FILE_NAME 7
#define OCSF_OBSERVABLE_HASH 8
#define OCSF_OBSERVABLE_PROCESS_NAME 9
#define OCSF_OBSERVABLE_RESOURCE_UID 10
#define OCSF_OBSERVABLE_OTHER 99

#endif
