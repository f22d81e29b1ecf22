/*  test_slpf_nft.c — OpenC2 SLPF command → nftables rule text (no root:
    adapters/actuators/nft_rules.c only; the enforcement itself is tests/netns/). */
#include "check.h"
#include "common.h"
#include "nft_rules.h"

#define NOW 1700000000000LL

static json_t *cmd(const char *text)
{
    json_error_t err;
    json_t *c = json_loads(text, 0, &err);
    if (!c)
        fprintf(stderr, "bad test JSON: %s: %s\n", text, err.text);
    return c;
}

/* Spec from text; returns the status, fills spec and why. */
static int spec_of(const char *text, slpf_nft_spec_t *s, char *why, size_t size)
{
    json_t *c = cmd(text);
    int rc = slpf_nft_spec_from_command(c, NOW, s, why, size);
    json_decref(c);
    return rc;
}

static void test_net_both(void)
{
    slpf_nft_spec_t s;
    char why[256];
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.1.2.3/16\"}}", &s, why,
                      sizeof why),
              0);
    CHECK_STR(s.src, "10.1.0.0/16"); /* host bits cleared */
    CHECK(s.persistent);
    CHECK_INT(s.start_ms, NOW);
    CHECK_INT(s.stop_ms, 0);
    slpf_nft_line_t l[SLPF_NFT_MAX_LINES];
    CHECK_INT(slpf_nft_rule_lines(&s, 7, l), 4);
    CHECK_STR(l[0].chain, "input");
    CHECK_STR(
        l[0].expr,
        "meta nfproto ipv4 ip saddr 10.1.0.0/16 counter drop comment \"fedsoar-slpf rule 7\"");
    CHECK_STR(l[1].chain, "output");
    CHECK_STR(
        l[1].expr,
        "meta nfproto ipv4 ip daddr 10.1.0.0/16 counter drop comment \"fedsoar-slpf rule 7\"");
    CHECK_STR(l[2].chain, "forward");
    CHECK_STR(l[3].chain, "forward");
    CHECK(strstr(l[2].expr, "saddr") && strstr(l[3].expr, "daddr"));
}

static void test_net_ingress_v6_reject(void)
{
    slpf_nft_spec_t s;
    char why[256];
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv6_net\":\"2001:DB8::1/32\"},"
                      "\"args\":{\"slpf\":{\"direction\":\"ingress\",\"drop_process\":\"reject\","
                      "\"persistent\":false}}}",
                      &s, why, sizeof why),
              0);
    CHECK_STR(s.src, "2001:db8::/32");
    CHECK(!s.persistent);
    slpf_nft_line_t l[SLPF_NFT_MAX_LINES];
    CHECK_INT(slpf_nft_rule_lines(&s, 3, l), 2);
    CHECK_STR(l[0].chain, "input");
    CHECK_STR(l[0].expr, "meta nfproto ipv6 ip6 saddr 2001:db8::/32 counter reject comment "
                         "\"fedsoar-slpf rule 3\"");
    CHECK_STR(l[1].chain, "forward");
}

static void test_connection(void)
{
    slpf_nft_spec_t s;
    char why[256];
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_connection\":{\"src_addr\":"
                      "\"10.9.0.1\",\"dst_addr\":\"10.9.0.2\",\"dst_port\":8080,\"protocol\":"
                      "\"tcp\"}},\"args\":{\"slpf\":{\"direction\":\"egress\",\"drop_process\":"
                      "\"reject\"}}}",
                      &s, why, sizeof why),
              0);
    slpf_nft_line_t l[SLPF_NFT_MAX_LINES];
    CHECK_INT(slpf_nft_rule_lines(&s, 12, l), 2);
    CHECK_STR(l[0].chain, "output");
    CHECK_STR(l[0].expr, "meta nfproto ipv4 ip saddr 10.9.0.1 ip daddr 10.9.0.2 meta l4proto tcp "
                         "tcp dport 8080 counter reject with tcp reset comment "
                         "\"fedsoar-slpf rule 12\"");
    CHECK_STR(l[1].chain, "forward");

    /* ports without a protocol: any transport with ports */
    CHECK_INT(spec_of("{\"action\":\"allow\",\"target\":{\"ipv6_connection\":{\"src_port\":53}}}",
                      &s, why, sizeof why),
              0);
    CHECK_INT(slpf_nft_rule_lines(&s, 1, l), 3);
    CHECK_STR(l[0].expr, "meta nfproto ipv6 meta l4proto { tcp, udp, sctp } th sport 53 counter "
                         "accept comment \"fedsoar-slpf rule 1\"");
    /* icmp on IPv6 is ipv6-icmp */
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv6_connection\":{\"protocol\":"
                      "\"icmp\"}}}",
                      &s, why, sizeof why),
              0);
    CHECK_INT(slpf_nft_rule_lines(&s, 2, l), 3);
    CHECK(strstr(l[0].expr, "meta l4proto ipv6-icmp counter drop") != NULL);
}

static void test_times(void)
{
    slpf_nft_spec_t s;
    char why[256];
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"duration\":5000}}",
                      &s, why, sizeof why),
              0);
    CHECK_INT(s.start_ms, NOW);
    CHECK_INT(s.stop_ms, NOW + 5000);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"start_time\":1700000060000,\"duration\":1000}}",
                      &s, why, sizeof why),
              0);
    CHECK_INT(s.start_ms, NOW + 60000);
    CHECK_INT(s.stop_ms, NOW + 61000);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"stop_time\":1700000010000,\"duration\":4000}}",
                      &s, why, sizeof why),
              0);
    CHECK_INT(s.start_ms, NOW + 6000);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"stop_time\":1600000000000}}",
                      &s, why, sizeof why),
              400);
    CHECK(strstr(why, "past") != NULL);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"duration\":9223372036854775807}}",
                      &s, why, sizeof why),
              400);
}

static void test_refusals(void)
{
    slpf_nft_spec_t s;
    char why[256];
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"slpf\":{\"drop_process\":\"false_ack\"}}}",
                      &s, why, sizeof why),
              501);
    CHECK(strstr(why, "false_ack") != NULL);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"domain_name\":\"example.com\"}}", &s, why,
                      sizeof why),
              501);
    /* injection attempts never reach nft text */
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1 accept; flush "
                      "ruleset\"}}",
                      &s, why, sizeof why),
              400);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1/33\"}}", &s, why,
                      sizeof why),
              400);
    CHECK_INT(
        spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"::1\"}}", &s, why, sizeof why),
        400);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":42}}", &s, why, sizeof why),
              400);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_connection\":{\"dst_port\":70000}}}",
                      &s, why, sizeof why),
              400);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_connection\":{\"protocol\":\"icmp\","
                      "\"dst_port\":1}}}",
                      &s, why, sizeof why),
              400);
    CHECK_INT(
        spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_connection\":{\"protocol\":\"gre\"}}}", &s,
                why, sizeof why),
        400);
    CHECK_INT(spec_of("{\"action\":\"allow\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"slpf\":{\"drop_process\":\"none\"}}}",
                      &s, why, sizeof why),
              501);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"slpf\":{\"insert_rule\":0}}}",
                      &s, why, sizeof why),
              400);
    CHECK_INT(spec_of("[1,2]", &s, why, sizeof why), 400);
    CHECK_INT(slpf_nft_spec_from_command(NULL, NOW, &s, why, sizeof why), 400);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{}}", &s, why, sizeof why), 400);
    CHECK_INT(spec_of("{\"action\":\"deny\",\"target\":{\"ipv4_net\":\"10.0.0.1\"},\"args\":"
                      "{\"slpf\":{\"insert_rule\":5, \"persistent\":\"yes\"}}}",
                      &s, why, sizeof why),
              400);
}

static void test_table(void)
{
    CHECK(slpf_nft_table_name_ok("fedsoar"));
    CHECK(slpf_nft_table_name_ok("fs_test-1"));
    CHECK(!slpf_nft_table_name_ok(""));
    CHECK(!slpf_nft_table_name_ok("1abc"));
    CHECK(!slpf_nft_table_name_ok("a b"));
    CHECK(!slpf_nft_table_name_ok("a;flush"));
    CHECK(!slpf_nft_table_name_ok("a23456789012345678901234567890123"));
    CHECK(!slpf_nft_table_name_ok(NULL));
    char buf[1024];
    CHECK(slpf_nft_table_script("fedsoar", true, buf, sizeof buf) > 0);
    CHECK(strncmp(buf,
                  "add table inet fedsoar\ndelete table inet fedsoar\nadd table inet fedsoar\n",
                  72) == 0);
    CHECK(strstr(buf, "add chain inet fedsoar forward { type filter hook forward priority filter; "
                      "policy accept; }\n") != NULL);
    CHECK_INT(slpf_nft_table_script("fedsoar", true, buf, 40), -1);
    CHECK_INT(slpf_nft_table_script("bad name", false, buf, sizeof buf), -1);
}

int main(void)
{
    test_net_both();
    test_net_ingress_v6_reject();
    test_connection();
    test_times();
    test_refusals();
    test_table();
    return check_summary();
}
