/*  nft_rules.h — private to libfedsoar_adapters: the pure translation of an
    OpenC2 SLPF v1.0 allow/deny command into nftables rule text, used by the
    slpf-nft actuator (actuators/slpf_nft.c). No libnftables here, no I/O,
    no root: the unit test (tests/unit/test_slpf_nft.c) drives it directly.
    The mapping is described in docs/slpf-nftables.md. */
#ifndef FEDSOAR_NFT_RULES_H
#define FEDSOAR_NFT_RULES_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SLPF_NFT_TABLE_MAX 32 /* bytes of a table name, NUL excluded */
#define SLPF_NFT_MAX_LINES 4  /* nft rules one SLPF rule becomes */
#define SLPF_NFT_EXPR_MAX 512 /* bytes of one rule's expression text */
#define SLPF_NFT_RULE_NUMBER_MAX 2147483647LL
#define SLPF_NFT_COMMENT "fedsoar-slpf rule " /* + the rule number */

enum { SLPF_NFT_INGRESS = 1, SLPF_NFT_EGRESS = 2, SLPF_NFT_BOTH = 3 };
typedef enum { SLPF_NFT_ACCEPT, SLPF_NFT_DROP, SLPF_NFT_REJECT } slpf_nft_verdict_t;

/* What an allow/deny command asks for, checked and normalized (addresses
   re-printed by inet_ntop with host bits cleared, so only well-formed
   text ever reaches nft). */
typedef struct slpf_nft_spec {
    int family;   /* 4 or 6 */
    bool is_net;  /* ipv4_net / ipv6_net: the net is in src */
    char src[64]; /* "addr" or "addr/len", "" = any */
    char dst[64];
    int src_port, dst_port; /* -1 = any */
    char proto[8];          /* "", "tcp", "udp", "icmp", "sctp" */
    unsigned dirs;          /* SLPF_NFT_INGRESS | SLPF_NFT_EGRESS */
    slpf_nft_verdict_t verdict;
    bool persistent;       /* slpf.persistent, default true */
    long long insert_rule; /* slpf.insert_rule, -1 = not given */
    int64_t start_ms;      /* epoch ms the rule takes effect */
    int64_t stop_ms;       /* epoch ms it ends, 0 = never */
} slpf_nft_spec_t;

/* One nft rule: the chain and the expression after "add rule inet T CHAIN ". */
typedef struct slpf_nft_line {
    const char *chain; /* "input", "output", "forward" (static) */
    char expr[SLPF_NFT_EXPR_MAX];
} slpf_nft_line_t;

/* Reads an allow/deny command (borrowed) on ipv4_net, ipv6_net,
   ipv4_connection or ipv6_connection into *out; now_ms anchors duration
   and a missing start_time. Returns 0, or an OpenC2 status (400, 501) with
   why (may be NULL) set to a reason naming the JSON path. */
int slpf_nft_spec_from_command(const json_t *cmd, int64_t now_ms, slpf_nft_spec_t *out, char *why,
                               size_t why_size);

/* The nft rules for spec under rule_number, in order: at most
   SLPF_NFT_MAX_LINES. Returns how many, or -1 when a text would not fit. */
int slpf_nft_rule_lines(const slpf_nft_spec_t *spec, long long rule_number,
                        slpf_nft_line_t out[SLPF_NFT_MAX_LINES]);

/* Whether name is a safe nft table name: [A-Za-z][A-Za-z0-9_-]{0,31}. */
bool slpf_nft_table_name_ok(const char *name);

/* The nft script that (re)creates `table inet NAME` with its three base
   chains, atomically dropping whatever it held (when replace) or only
   making sure it exists. Returns the bytes written (< size) or -1. */
int slpf_nft_table_script(const char *table, bool replace, char *buf, size_t size);

#endif
