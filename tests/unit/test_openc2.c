/*  test_openc2.c — unit tests of the OpenC2 validator with project-written
    cases: one group per rule, especially the rules the TC's JSON Schemas
    miss (I-JSON, Command-ID pattern, hex hashes, two-of-three times, SLPF
    matrices, pairs, profiles as data). The OASIS corpus is exercised by
    test_openc2_conformance. */
#include "check.h"
#include "openc2.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static openc2_validator_t *v_default, *v_lang, *v_slpf, *v_acme;
static char reason[OPENC2_REASON_MAX];

static int cmd_in(openc2_validator_t *v, const char *text)
{
    return openc2_check_command_text(v, text, strlen(text), reason, sizeof reason);
}

static int rsp_in(openc2_validator_t *v, const char *text)
{
    return openc2_check_response_text(v, text, strlen(text), reason, sizeof reason);
}

/* verdict and a reason that starts with the expected JSON path */
#define EXPECT_CMD(v, text, verdict, path)                                                         \
    do {                                                                                           \
        CHECK_INT(cmd_in(v, text), verdict);                                                       \
        if ((path) && strncmp(reason, (path), strlen(path)) != 0) {                                \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: reason \"%s\" does not start with \"%s\"\n", __FILE__,         \
                    __LINE__, reason, (const char *)(path));                                       \
        }                                                                                          \
    } while (0)

#define EXPECT_RSP(v, text, verdict, path)                                                         \
    do {                                                                                           \
        CHECK_INT(rsp_in(v, text), verdict);                                                       \
        if ((path) && strncmp(reason, (path), strlen(path)) != 0) {                                \
            check_failed++;                                                                        \
            fprintf(stderr, "%s:%d: reason \"%s\" does not start with \"%s\"\n", __FILE__,         \
                    __LINE__, reason, (const char *)(path));                                       \
        }                                                                                          \
    } while (0)

static void test_ijson(void)
{
    /* duplicate keys, bad UTF-8, NUL, noncharacters, trailing garbage */
    EXPECT_CMD(v_default,
               "{\"action\":\"deny\",\"action\":\"allow\",\"target\":{\"ipv4_net\":\"10.0.0.1\"}}",
               400, "$: not I-JSON");
    EXPECT_CMD(v_default, "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"a\xff\"}}}", 400,
               "$: not I-JSON");
    CHECK_INT(
        openc2_check_command_text(v_default, "{\"action\":\"query\"}\0", 19, reason, sizeof reason),
        400);
    EXPECT_CMD(v_default, "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"\\uFFFF\"}}}", 400,
               "$.target.file.name: string holds a Unicode noncharacter");
    EXPECT_CMD(v_default, "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"\\uD800\"}}}", 400,
               "$: not I-JSON");
    EXPECT_CMD(v_default, "{\"action\":\"query\",\"target\":{\"features\":[]}} x", 400,
               "$: not I-JSON");
    EXPECT_CMD(v_default, "", 400, "$: not I-JSON");
    CHECK_INT(openc2_check_command_text(v_default, NULL, 0, reason, sizeof reason), 400);
    /* too big */
    size_t big = OPENC2_MAX_TEXT + 10;
    char *buf = malloc(big);
    memset(buf, ' ', big);
    CHECK_INT(openc2_check_command_text(v_default, buf, big, reason, sizeof reason), 400);
    free(buf);
}

static void test_command_fields(void)
{
    EXPECT_CMD(v_default, "{\"action\":\"query\",\"target\":{\"features\":[]}}", 0, "");
    EXPECT_CMD(v_default, "{\"action\":\"query\",\"target\":{\"features\":[]},\"extra\":1}", 400,
               "$.extra: unknown field");
    EXPECT_CMD(v_default, "{\"target\":{\"features\":[]}}", 400, "$: action is required");
    EXPECT_CMD(v_default, "{\"action\":\"query\"}", 400, "$: target is required");
    EXPECT_CMD(v_default, "{\"action\":\"explode\",\"target\":{\"features\":[]}}", 400,
               "$.action:");
    EXPECT_CMD(v_default, "{\"action\":7,\"target\":{\"features\":[]}}", 400, "$.action:");
    EXPECT_CMD(v_default, "{\"action\":\"query\",\"target\":{}}", 400,
               "$.target: target must contain exactly one");
    EXPECT_CMD(v_default, "{\"action\":\"query\",\"target\":[]}", 400, "$.target:");
    EXPECT_CMD(v_default, "[1]", 400, "$: a command must be a JSON object");
}

static void test_command_id(void)
{
    EXPECT_CMD(v_default, "{\"action\":\"query\",\"target\":{\"features\":[]},\"command_id\":\"\"}",
               0, "");
    EXPECT_CMD(v_default,
               "{\"action\":\"query\",\"target\":{\"features\":[]},"
               "\"command_id\":\"123456789012345678901234567890123456\"}",
               0, "");
    EXPECT_CMD(v_default,
               "{\"action\":\"query\",\"target\":{\"features\":[]},"
               "\"command_id\":\"1234567890123456789012345678901234567\"}",
               400, "$.command_id:");
    EXPECT_CMD(v_default,
               "{\"action\":\"query\",\"target\":{\"features\":[]},\"command_id\":\"a b\"}", 400,
               "$.command_id:");
    /* U+00A0 NO-BREAK SPACE is \s too; 36 two-byte characters are fine */
    EXPECT_CMD(v_default,
               "{\"action\":\"query\",\"target\":{\"features\":[]},\"command_id\":\"a\\u00a0b\"}",
               400, "$.command_id:");
    char text[512];
    char id[200] = "";
    size_t idl = 0;
    for (int i = 0; i < 36; i++)
        idl += (size_t)snprintf(id + idl, sizeof id - idl, "\xc3\xa9");
    snprintf(text, sizeof text,
             "{\"action\":\"query\",\"target\":{\"features\":[]},\"command_id\":\"%s\"}", id);
    EXPECT_CMD(v_default, text, 0, "");
    EXPECT_CMD(v_default, "{\"action\":\"query\",\"target\":{\"features\":[]},\"command_id\":5}",
               400, "$.command_id:");
}

static void test_args(void)
{
    const char *pre =
        "{\"action\":\"contain\",\"target\":{\"device\":{\"device_id\":\"d1\"}},\"args\":";
    char t[512];
#define ARGS(json) (snprintf(t, sizeof t, "%s%s}", pre, json), t)
    EXPECT_CMD(v_default, ARGS("{}"), 400, "$.args: args must contain at least one");
    EXPECT_CMD(v_default, ARGS("{\"start_time\":1,\"duration\":5}"), 0, "");
    EXPECT_CMD(v_default, ARGS("{\"start_time\":1,\"stop_time\":5,\"duration\":4}"), 400,
               "$.args: only two of");
    EXPECT_CMD(v_default, ARGS("{\"start_time\":10,\"stop_time\":5}"), 400, "$.args.stop_time:");
    EXPECT_CMD(v_default, ARGS("{\"start_time\":-1}"), 400, "$.args.start_time:");
    EXPECT_CMD(v_default, ARGS("{\"duration\":1.5}"), 400, "$.args.duration:");
    EXPECT_CMD(v_default, ARGS("{\"duration\":1000.0}"), 0, "");
    EXPECT_CMD(v_default, ARGS("{\"duration\":9007199254740993}"), 400, "$.args.duration:");
    EXPECT_CMD(v_default, ARGS("{\"response_requested\":\"maybe\"}"), 400,
               "$.args.response_requested:");
    EXPECT_CMD(v_default, ARGS("{\"response_requested\":\"status\"}"), 0, "");
    EXPECT_CMD(v_default, ARGS("{\"colour\":\"red\"}"), 400, "$.args.colour: unknown property");
    EXPECT_CMD(v_default, ARGS("{\"x-unknown\":{\"a\":1}}"), 501, "$.args['x-unknown']:");
    EXPECT_CMD(v_default, ARGS("{\"X-bad\":{\"a\":1}}"), 400, "$.args['X-bad']:");
#undef ARGS
    /* LS 4.1: query features takes only response_requested: complete */
    EXPECT_CMD(v_default,
               "{\"action\":\"query\",\"target\":{\"features\":[]},\"args\":{\"response_"
               "requested\":\"complete\"}}",
               0, "");
    EXPECT_CMD(v_default,
               "{\"action\":\"query\",\"target\":{\"features\":[]},\"args\":{\"response_"
               "requested\":\"ack\"}}",
               400, "$.args.response_requested:");
    EXPECT_CMD(v_default,
               "{\"action\":\"query\",\"target\":{\"features\":[]},\"args\":{\"duration\":5}}", 400,
               "$.args.duration:");
}

static void test_actuator(void)
{
    const char *t = "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.0/8\"},\"actuator\":";
    char buf[512];
    snprintf(buf, sizeof buf, "%s{}}", t);
    EXPECT_CMD(v_default, buf, 400, "$.actuator:");
    snprintf(buf, sizeof buf, "%s{\"slpf\":{},\"x-a\":{}}}", t);
    EXPECT_CMD(v_default, buf, 400, "$.actuator:");
    snprintf(buf, sizeof buf, "%s{\"slpf\":{\"asset_id\":\"fw1\",\"asset_tuple\":[\"a\",\"b\"]}}}",
             t);
    EXPECT_CMD(v_default, buf, 0, "");
    snprintf(buf, sizeof buf, "%s{\"slpf\":{\"serial\":\"1\"}}}", t);
    EXPECT_CMD(v_default, buf, 400, "$.actuator.slpf.serial:");
    snprintf(buf, sizeof buf,
             "%s{\"slpf\":{\"asset_tuple\":[\"1\",\"2\",\"3\",\"4\",\"5\",\"6\",\"7\",\"8\",\"9\","
             "\"10\",\"11\"]}}}",
             t);
    EXPECT_CMD(v_default, buf, 400, "$.actuator.slpf.asset_tuple:");
    /* slpf not enabled: 501 */
    snprintf(buf, sizeof buf, "%s{\"slpf\":{}}}", t);
    EXPECT_CMD(v_lang, buf, 501, "$.actuator.slpf:");
}

static void test_targets(void)
{
#define T(target, verdict, path)                                                                   \
    EXPECT_CMD(v_lang, "{\"action\":\"deny\",\"target\":{" target "}}", verdict, path)
    /* hashes */
    T("\"file\":{\"hashes\":{\"md5\":\"0123456789abcdef0123456789ABCDEF\"}}", 0, "");
    T("\"file\":{\"hashes\":{\"md5\":\"0123456789abcdef0123456789abcde\"}}", 400,
      "$.target.file.hashes.md5:");
    T("\"file\":{\"hashes\":{\"sha1\":\"zz23456789abcdef0123456789abcdef01234567\"}}", 400,
      "$.target.file.hashes.sha1:");
    T("\"file\":{\"hashes\":{\"sha256\":\"00\"}}", 400, "$.target.file.hashes.sha256:");
    T("\"file\":{}", 400, "$.target.file:");
    T("\"file\":{\"size\":3}", 400, "$.target.file.size:");
    /* ipv4 */
    T("\"ipv4_net\":\"192.168.17.0/24\"", 0, "");
    T("\"ipv4_net\":\"192.168.17.0/33\"", 400, "$.target.ipv4_net:");
    T("\"ipv4_net\":\"192.168.17.0/\"", 400, "$.target.ipv4_net:");
    T("\"ipv4_net\":\"192.168.17.0/08\"", 400, "$.target.ipv4_net:");
    T("\"ipv4_net\":\"192.168.017.1\"", 400, "$.target.ipv4_net:");
    T("\"ipv4_net\":\"1.2.3\"", 400, "$.target.ipv4_net:");
    T("\"ipv4_net\":\"1.2.3.4 \"", 400, "$.target.ipv4_net:");
    T("\"ipv4_net\":[\"1.2.3.4\",8]", 400, "$.target.ipv4_net:");
    /* ipv6 */
    T("\"ipv6_net\":\"2001:db8::/32\"", 0, "");
    T("\"ipv6_net\":\"2001:db8::/129\"", 400, "$.target.ipv6_net:");
    T("\"ipv6_net\":\"2001:db8:::1\"", 400, "$.target.ipv6_net:");
    T("\"ipv6_net\":\"::ffff:10.0.0.1/128\"", 0, "");
    /* connections, ports, protocol */
    T("\"ipv4_connection\":{\"src_addr\":\"10.0.0.0/8\",\"dst_port\":443,\"protocol\":\"tcp\"}", 0,
      "");
    T("\"ipv4_connection\":{\"dst_port\":65536}", 400, "$.target.ipv4_connection.dst_port:");
    T("\"ipv4_connection\":{\"dst_port\":-1}", 400, "$.target.ipv4_connection.dst_port:");
    T("\"ipv4_connection\":{\"dst_port\":\"80\"}", 400, "$.target.ipv4_connection.dst_port:");
    T("\"ipv4_connection\":{\"protocol\":\"gre\"}", 400, "$.target.ipv4_connection.protocol:");
    T("\"ipv4_connection\":{\"src_addr\":\"::1\"}", 400, "$.target.ipv4_connection.src_addr:");
    T("\"ipv6_connection\":{\"src_addr\":\"10.0.0.1\"}", 400, "$.target.ipv6_connection.src_addr:");
    T("\"ipv6_connection\":{}", 400, "$.target.ipv6_connection:");
    /* features */
    T("\"features\":[\"versions\",\"pairs\"]", 0, "");
    T("\"features\":[\"pairs\",\"pairs\"]", 400, "$.target.features[1]:");
    T("\"features\":[\"colour\"]", 400, "$.target.features[0]:");
    /* properties, device, domain, email, uri, iri, mac, command, process, artifact */
    T("\"properties\":[]", 400, "$.target.properties:");
    T("\"properties\":[\"a\",\"a\"]", 400, "$.target.properties[1]:");
    T("\"device\":{\"hostname\":\"ws-1.corp.example\"}", 0, "");
    T("\"device\":{\"hostname\":\"-bad.example\"}", 400, "$.target.device.hostname:");
    T("\"device\":{}", 400, "$.target.device:");
    T("\"domain_name\":\"example.com\"", 0, "");
    T("\"domain_name\":\"exa mple.com\"", 400, "$.target.domain_name:");
    T("\"idn_domain_name\":\"b\xc3\xbc\x63her.example\"", 0, "");
    T("\"email_addr\":\"soc@example.com\"", 0, "");
    T("\"email_addr\":\"soc@@example.com\"", 400, "$.target.email_addr:");
    T("\"email_addr\":\"example.com\"", 400, "$.target.email_addr:");
    T("\"idn_email_addr\":\"j\xc3\xb6rg@b\xc3\xbc\x63her.example\"", 0, "");
    T("\"uri\":\"https://example.com/a?b=c#d\"", 0, "");
    T("\"uri\":\"not a uri\"", 400, "$.target.uri:");
    T("\"uri\":\"https://example.com/%zz\"", 400, "$.target.uri:");
    T("\"uri\":\"https://b\xc3\xbc\x63her.example/\"", 400, "$.target.uri:");
    T("\"iri\":\"https://b\xc3\xbc\x63her.example/\"", 0, "");
    T("\"mac_addr\":\"8c:85:90:72:31:af\"", 0, "");
    T("\"mac_addr\":\"8c:85:90:72:31:af:00:01\"", 0, "");
    T("\"mac_addr\":\"8c-85-90-72-31-af\"", 400, "$.target.mac_addr:");
    T("\"mac_addr\":\"8c:85:90:72:31\"", 400, "$.target.mac_addr:");
    T("\"command\":\"cmd-17\"", 0, "");
    T("\"command\":\"cmd 17\"", 400, "$.target.command:");
    T("\"process\":{\"pid\":42,\"parent\":{\"name\":\"init\",\"executable\":{\"path\":\"/sbin/"
      "init\"}}}",
      0, "");
    T("\"process\":{\"pid\":-4}", 400, "$.target.process.pid:");
    T("\"process\":{\"parent\":{}}", 400, "$.target.process.parent:");
    T("\"artifact\":{\"payload\":{\"bin\":\"aGVsbG8\"}}", 0, "");
    T("\"artifact\":{\"payload\":{\"bin\":\"aGVs+G8=\"}}", 400, "$.target.artifact.payload.bin:");
    T("\"artifact\":{\"payload\":{\"bin\":\"aGVsbG8\",\"url\":\"https://x.example\"}}", 400,
      "$.target.artifact.payload:");
    T("\"artifact\":{\"mime_type\":\"text/plain\",\"payload\":{\"url\":\"https://x.example/a\"}}",
      0, "");
    T("\"artifact\":{}", 400, "$.target.artifact:");
    /* extensions */
    T("\"fruit\":\"apple\"", 400, "$.target.fruit: unknown target type");
    T("\"x-acme:container\":{\"container_id\":\"a\"}", 501, "$.target['x-acme:container']:");
    T("\"x-Acme:container\":{}", 400, "$.target['x-Acme:container']:");
    T("\"x-acme:\":{}", 400, "$.target['x-acme:']:");
    T("\"slpf:rule_number\":5", 501, "$.target['slpf:rule_number']: profile slpf is not enabled");
#undef T
    /* process.parent nesting is bounded */
    char deep[4096];
    size_t dl =
        (size_t)snprintf(deep, sizeof deep, "{\"action\":\"stop\",\"target\":{\"process\":");
    for (int i = 0; i < 40; i++)
        dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "{\"parent\":");
    dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "{\"pid\":1}");
    for (int i = 0; i < 40; i++)
        dl += (size_t)snprintf(deep + dl, sizeof deep - dl, "}");
    snprintf(deep + dl, sizeof deep - dl, "}}");
    CHECK_INT(cmd_in(v_lang, deep), 400);
    /* very deep JSON of any kind */
    char *nest = malloc(20000);
    size_t o = 0;
    o += (size_t)snprintf(nest + o, 20000 - o, "{\"action\":\"query\",\"target\":{\"x-a:b\":");
    for (int i = 0; i < 3000; i++)
        nest[o++] = '[';
    for (int i = 0; i < 3000; i++)
        nest[o++] = ']';
    o += (size_t)snprintf(nest + o, 20000 - o, "}}");
    CHECK(cmd_in(v_lang, nest) != 0);
    free(nest);
}

static void test_slpf(void)
{
    /* Table 2.3-1 pairs */
    EXPECT_CMD(v_slpf, "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.1.0.0/16\"}}", 0, "");
    EXPECT_CMD(v_slpf, "{\"action\":\"deny\",\"target\":{\"domain_name\":\"bad.example\"}}", 0, "");
    EXPECT_CMD(v_slpf, "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"a\"}}}", 501,
               "$.target.file: 'deny file' is not supported by any profile");
    EXPECT_CMD(v_slpf, "{\"action\":\"contain\",\"target\":{\"device\":{\"device_id\":\"x\"}}}",
               501, "$.target.device:");
    EXPECT_CMD(v_slpf, "{\"action\":\"delete\",\"target\":{\"slpf:rule_number\":17}}", 0, "");
    EXPECT_CMD(v_slpf, "{\"action\":\"delete\",\"target\":{\"slpf:rule_number\":\"17\"}}", 400,
               "$.target['slpf:rule_number']:");
    EXPECT_CMD(v_slpf, "{\"action\":\"delete\",\"target\":{\"slpf:rule_name\":17}}", 400,
               "$.target['slpf:rule_name']: profile slpf defines no target");
    EXPECT_CMD(v_slpf, "{\"action\":\"query\",\"target\":{\"slpf:rule_number\":17}}", 501,
               "$.target['slpf:rule_number']: 'query slpf:rule_number'");
    /* in language+slpf, deny file is fine unless the command names slpf */
    EXPECT_CMD(v_default, "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"a\"}}}", 0, "");
    EXPECT_CMD(
        v_default,
        "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"a\"}},\"actuator\":{\"slpf\":{}}}",
        501, "$.target.file: 'deny file' is not supported by profile slpf");
    EXPECT_CMD(v_default,
               "{\"action\":\"deny\",\"target\":{\"file\":{\"name\":\"a\"}},\"args\":{\"slpf\":{"
               "\"direction\":\"ingress\"}}}",
               501, "$.target.file:");
    /* Table 2.3-2 arguments */
    EXPECT_CMD(
        v_slpf,
        "{\"action\":\"deny\",\"target\":{\"ipv6_net\":\"2001:db8::/32\"},\"args\":{\"slpf\":"
        "{\"drop_process\":\"reject\",\"direction\":\"egress\",\"persistent\":false}}}",
        0, "");
    EXPECT_CMD(
        v_slpf,
        "{\"action\":\"allow\",\"target\":{\"ipv6_net\":\"2001:db8::/32\"},\"args\":{\"slpf\":"
        "{\"drop_process\":\"reject\"}}}",
        501,
        "$.args.slpf.drop_process: argument slpf.drop_process is not supported for 'allow "
        "ipv6_net'");
    EXPECT_CMD(
        v_slpf,
        "{\"action\":\"delete\",\"target\":{\"slpf:rule_number\":3},\"args\":{\"duration\":5}}",
        501, "$.args.duration:");
    EXPECT_CMD(v_slpf,
               "{\"action\":\"update\",\"target\":{\"file\":{\"name\":\"fw.conf\"}},\"args\":{"
               "\"stop_time\":5}}",
               501, "$.args.stop_time:");
    EXPECT_CMD(v_slpf,
               "{\"action\":\"update\",\"target\":{\"file\":{\"name\":\"fw.conf\"}},\"args\":{"
               "\"start_time\":5}}",
               0, "");
    /* slpf args shapes */
    EXPECT_CMD(
        v_slpf,
        "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":{\"slpf\":{}}}", 400,
        "$.args.slpf:");
    EXPECT_CMD(v_slpf,
               "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":{\"slpf\":{"
               "\"direction\":\"up\"}}}",
               400, "$.args.slpf.direction:");
    EXPECT_CMD(v_slpf,
               "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":{\"slpf\":{"
               "\"drop_process\":\"silently\"}}}",
               400, "$.args.slpf.drop_process:");
    EXPECT_CMD(v_slpf,
               "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":{\"slpf\":{"
               "\"persistent\":\"yes\"}}}",
               400, "$.args.slpf.persistent:");
    /* SLPF MUSTs outside the tables */
    EXPECT_CMD(v_slpf,
               "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":{\"slpf\":{"
               "\"insert_rule\":4}}}",
               400, "$.args.slpf.insert_rule:");
    EXPECT_CMD(v_slpf,
               "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":{\"response_"
               "requested\":"
               "\"complete\",\"slpf\":{\"insert_rule\":4}}}",
               0, "");
    EXPECT_CMD(v_slpf, "{\"action\":\"update\",\"target\":{\"file\":{\"path\":\"/etc/fw\"}}}", 400,
               "$.target.file: 'update file' needs the file name");
    EXPECT_CMD(v_slpf,
               "{\"action\":\"update\",\"target\":{\"file\":{\"name\":\"fw\"}},\"args\":{"
               "\"response_requested\":\"status\"}}",
               400, "$.args.response_requested:");
    /* 400 wins over 501 */
    EXPECT_CMD(v_slpf, "{\"action\":\"deny\",\"target\":{\"file\":{\"hashes\":{\"md5\":\"12\"}}}}",
               400, "$.target.file.hashes.md5:");
}

static void test_responses(void)
{
    EXPECT_RSP(v_default, "{\"status\":200}", 0, "");
    EXPECT_RSP(v_default, "{\"status\":200.0}", 0, "");
    EXPECT_RSP(v_default, "{\"status\":200.5}", 400, "$.status:");
    EXPECT_RSP(v_default, "{\"status\":201}", 400, "$.status:");
    EXPECT_RSP(v_default, "{\"status\":\"200\"}", 400, "$.status:");
    EXPECT_RSP(v_default, "{\"status\":404,\"status_text\":7}", 400, "$.status_text:");
    EXPECT_RSP(v_default, "{\"status\":200,\"command_id\":\"a\"}", 400, "$.command_id:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{}}", 400, "$.results:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"versions\":[]}}", 400,
               "$.results.versions:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"versions\":[\"1.0\",\"1.0\"]}}", 400,
               "$.results.versions[1]:");
    EXPECT_RSP(v_default,
               "{\"status\":200,\"results\":{\"profiles\":[\"a-very-long-profile-name\"]}}", 400,
               "$.results.profiles[0]:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"rate_limit\":-1}}", 400,
               "$.results.rate_limit:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"rate_limit\":0.5}}", 0, "");
    /* pairs */
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"pairs\":{}}}", 400, "$.results.pairs:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"pairs\":{\"deny\":[]}}}", 400,
               "$.results.pairs.deny:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"pairs\":{\"deny\":[\"file\",\"file\"]}}}",
               400, "$.results.pairs.deny[1]:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"pairs\":{\"smash\":[\"file\"]}}}", 400,
               "$.results.pairs.smash:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"pairs\":{\"deny\":[\"fruit\"]}}}", 400,
               "$.results.pairs.deny[0]:");
    EXPECT_RSP(v_default,
               "{\"status\":200,\"results\":{\"pairs\":{\"deny\":[\"file\"],\"delete\":[\"slpf:"
               "rule_number\"]}}}",
               0, "");
    EXPECT_RSP(v_slpf, "{\"status\":200,\"results\":{\"pairs\":{\"deny\":[\"file\"]}}}", 501,
               "$.results.pairs.deny[0]:");
    /* slpf results */
    EXPECT_RSP(v_slpf, "{\"status\":200,\"results\":{\"slpf\":{\"rule_number\":7}}}", 0, "");
    EXPECT_RSP(v_slpf, "{\"status\":200,\"results\":{\"slpf\":{\"rule_number\":\"7\"}}}", 400,
               "$.results.slpf.rule_number:");
    EXPECT_RSP(v_lang, "{\"status\":200,\"results\":{\"slpf\":{\"rule_number\":7}}}", 501,
               "$.results.slpf:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"x-thing\":{}}}", 501,
               "$.results['x-thing']:");
    EXPECT_RSP(v_default, "{\"status\":200,\"results\":{\"thing\":{}}}", 400, "$.results.thing:");
}

static void test_profiles_as_data(void)
{
    fs_err_t e;
    /* custom profile: a namespace with a target, args and results; pairs
       and an argument matrix */
    const char *desc =
        "{\"profile\":\"lock\",\"namespaces\":{\"x-lock\":{"
        "\"targets\":{\"door\":{\"type\":\"map\",\"required\":[\"id\"],"
        "\"fields\":{\"id\":{\"type\":\"string\",\"max_length\":8}}}},"
        "\"args\":{\"type\":\"map\",\"min_fields\":1,\"fields\":{\"force\":\"boolean\"}}}},"
        "\"pairs\":{\"start\":[\"x-lock:door\"],\"stop\":[\"x-lock:door\"]},"
        "\"arguments\":{\"start\":[\"response_requested\",\"x-lock\"],"
        "\"stop x-lock:door\":[\"response_requested\"]}}";
    json_t *d = json_loads(desc, 0, NULL);
    CHECK(d != NULL);
    openc2_profile_t *p = openc2_profile_from_json(d, &e);
    json_decref(d);
    CHECK(p != NULL);
    CHECK_STR(openc2_profile_name(p), "lock");
    openc2_validator_t *v = openc2_validator_new();
    CHECK_INT(openc2_validator_add(v, "language", NULL, &e), 0);
    CHECK_INT(openc2_validator_add_profile(v, &p, &e), 0);
    CHECK(p == NULL);
    CHECK_INT(openc2_validator_count(v), 2);
    EXPECT_CMD(v,
               "{\"action\":\"start\",\"target\":{\"x-lock:door\":{\"id\":\"d1\"}},\"args\":{\"x-"
               "lock\":{\"force\":true}}}",
               0, "");
    EXPECT_CMD(v, "{\"action\":\"start\",\"target\":{\"x-lock:door\":{\"id\":\"door-number-9\"}}}",
               400, "$.target['x-lock:door'].id:");
    EXPECT_CMD(v, "{\"action\":\"start\",\"target\":{\"x-lock:door\":{}}}", 400,
               "$.target['x-lock:door']:");
    EXPECT_CMD(v, "{\"action\":\"deny\",\"target\":{\"x-lock:door\":{\"id\":\"d1\"}}}", 501,
               "$.target['x-lock:door']:");
    EXPECT_CMD(v,
               "{\"action\":\"stop\",\"target\":{\"x-lock:door\":{\"id\":\"d1\"}},\"args\":{\"x-"
               "lock\":{\"force\":true}}}",
               501, "$.args['x-lock'].force:");
    EXPECT_CMD(v, "{\"action\":\"start\",\"target\":{\"x-lock:window\":{}}}", 400,
               "$.target['x-lock:window']: profile lock defines no target");
    /* the validator's query-features answer */
    json_t *f = openc2_validator_features(v);
    CHECK(f != NULL);
    char rsn[OPENC2_REASON_MAX];
    json_t *rsp = openc2_response_new(200, NULL, f);
    CHECK_INT(openc2_check_response(v, rsp, rsn, sizeof rsn), 0);
    CHECK(json_object_get(json_object_get(f, "pairs"), "start") != NULL);
    json_decref(rsp);
    json_decref(f);
    /* a namespace may belong to one profile only */
    d = json_loads("{\"profile\":\"lock2\",\"namespaces\":{\"x-lock\":{}}}", 0, NULL);
    p = openc2_profile_from_json(d, &e);
    json_decref(d);
    CHECK(p != NULL);
    CHECK_INT(openc2_validator_add_profile(v, &p, &e), -1);
    CHECK(strstr(e.text, "x-lock") != NULL);
    openc2_validator_destroy(&v);
    openc2_validator_destroy(&v); /* idempotent */

    /* bad descriptions are refused with a path */
    static const char *const bad[] = {
        "[]",
        "{\"namespaces\":{}}",
        "{\"profile\":\"language\"}",
        "{\"profile\":\"p\",\"namespaces\":{\"X-bad\":{}}}",
        "{\"profile\":\"p\",\"namespaces\":{\"x-a\":{\"targets\":{\"t\":\"colour\"}}}}",
        "{\"profile\":\"p\",\"namespaces\":{\"x-a\":{\"args\":{\"type\":\"map\"}}}}",
        "{\"profile\":\"p\",\"namespaces\":{\"x-a\":{\"args\":{\"type\":\"enum\",\"values\":[]}}}}",
        "{\"profile\":\"p\",\"namespaces\":{\"x-a\":{\"widgets\":{}}}}",
        "{\"profile\":\"p\",\"pairs\":{\"smash\":[\"file\"]}}",
        "{\"profile\":\"p\",\"pairs\":{\"deny\":[\"fruit\"]}}",
        "{\"profile\":\"p\",\"arguments\":{\"deny\":[\"Colour\"]}}",
        "{\"profile\":\"p\",\"arguments\":{\"deny file x\":[\"duration\"]}}",
        "{\"profile\":\"p\",\"rules\":\"slpf-v1.0\"}",
        "{\"profile\":\"p\",\"colour\":1}",
        "{\"profile\":\"p\",\"namespaces\":{\"x-a\":{\"args\":{\"type\":\"map\",\"fields\":{},"
        "\"required\":[\"z\"]}}}}",
        NULL,
    };
    for (int i = 0; bad[i]; i++) {
        d = json_loads(bad[i], JSON_DECODE_ANY, NULL);
        p = openc2_profile_from_json(d, &e);
        json_decref(d);
        CHECK(p == NULL);
        if (p) {
            fprintf(stderr, "bad profile accepted: %s\n", bad[i]);
            openc2_profile_destroy(&p);
        }
    }
    /* load errors */
    v = openc2_validator_new();
    CHECK_INT(openc2_validator_add(v, "nosuchprofile", "/nonexistent", &e), -1);
    CHECK_INT(openc2_validator_add(v, "/nonexistent/p.json", NULL, &e), -1);
    openc2_validator_destroy(&v);
    openc2_profile_destroy(&p);
}

static void test_helpers(void)
{
    json_t *cmd = json_loads(
        "{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"command_id\":\"c1\"}", 0,
        NULL);
    const char *a = NULL, *t = NULL;
    CHECK_INT(openc2_command_pair(cmd, &a, &t), 0);
    CHECK_STR(a, "deny");
    CHECK_STR(t, "ipv4_net");
    CHECK_STR(openc2_command_id(cmd), "c1");
    char r[OPENC2_REASON_MAX];
    CHECK_INT(openc2_validate_command(cmd, r, sizeof r), 0);
    CHECK_STR(r, "");
    json_decref(cmd);
    json_t *bad = json_loads("{\"action\":\"deny\",\"target\":{}}", 0, NULL);
    CHECK_INT(openc2_command_pair(bad, &a, &t), -1);
    CHECK_INT(openc2_validate_command(bad, r, sizeof r), 400);
    CHECK_INT(openc2_validate_command(bad, NULL, 0), 400);
    /* a tiny reason buffer truncates, never overflows */
    char tiny[8];
    CHECK_INT(openc2_validate_command(bad, tiny, sizeof tiny), 400);
    CHECK_INT((long long)strlen(tiny), 7);
    json_decref(bad);
    CHECK_INT(openc2_validate_command(NULL, r, sizeof r), 400);

    json_t *results = json_pack("{s:[s]}", "versions", "1.0");
    json_t *rsp = openc2_response_new(200, "OK", results);
    json_decref(results);
    CHECK_INT(openc2_validate_response(rsp, r, sizeof r), 0);
    CHECK_STR(json_string_value(json_object_get(rsp, "status_text")), "OK");
    json_decref(rsp);
    rsp = openc2_response_for_verdict(501, "$.target.file: not supported");
    CHECK_INT(json_integer_value(json_object_get(rsp, "status")), 501);
    CHECK_INT(openc2_validate_response(rsp, r, sizeof r), 0);
    json_decref(rsp);
    rsp = openc2_response_for_verdict(0, NULL);
    CHECK_INT(json_integer_value(json_object_get(rsp, "status")), 200);
    json_decref(rsp);
    CHECK_STR(openc2_status_text(503), "Service Unavailable");
    CHECK(openc2_status_text(201) == NULL);
    CHECK(openc2_status_valid(102));
    CHECK(!openc2_status_valid(0));
}

int main(void)
{
    fs_err_t e;
    v_default = openc2_validator_new_default();
    v_lang = openc2_validator_new();
    v_slpf = openc2_validator_new();
    CHECK(v_default && v_lang && v_slpf);
    CHECK_INT(openc2_validator_add(v_lang, "language", NULL, &e), 0);
    CHECK_INT(openc2_validator_add(v_slpf, "slpf", NULL, &e), 0);
    /* the acme profile file of the repository loads */
    const char *src = getenv("FEDSOAR_SOURCE_DIR");
    if (src) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/federation/profiles", src);
        v_acme = openc2_validator_new();
        CHECK_INT(openc2_validator_add(v_acme, "slpf", NULL, &e), 0);
        CHECK_INT(openc2_validator_add(v_acme, "acme", dir, &e), 0);
        EXPECT_CMD(
            v_acme,
            "{\"action\":\"start\",\"target\":{\"x-acme:container\":{\"container_id\":\"nope\"}}}",
            400, "$.target['x-acme:container'].container_id:");
        openc2_validator_destroy(&v_acme);
    }
    test_ijson();
    test_command_fields();
    test_command_id();
    test_args();
    test_actuator();
    test_targets();
    test_slpf();
    test_responses();
    test_profiles_as_data();
    test_helpers();
    openc2_validator_destroy(&v_default);
    openc2_validator_destroy(&v_lang);
    openc2_validator_destroy(&v_slpf);
    return check_summary();
}
