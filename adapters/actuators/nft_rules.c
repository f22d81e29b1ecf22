/*  nft_rules.c — OpenC2 SLPF v1.0 allow/deny → nftables rule text (pure;
    see nft_rules.h and docs/slpf-nftables.md). */
#include "nft_rules.h"

#include "common.h"

#include <arpa/inet.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(char *why, size_t size, int status, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(char *why, size_t size, int status, const char *fmt, ...)
{
    if (why && size) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, size, fmt, ap);
        va_end(ap);
    }
    return status;
}

/* "addr" or "addr/len" of the family → canonical text in out, host bits
   cleared. Returns 0 or -1. */
static int parse_net(const char *s, int family, char *out, size_t size)
{
    char addr[64];
    const char *slash = strchr(s, '/');
    size_t alen = slash ? (size_t)(slash - s) : strlen(s);
    if (alen == 0 || alen >= sizeof addr)
        return -1;
    memcpy(addr, s, alen);
    addr[alen] = '\0';
    unsigned char bytes[16];
    int af = family == 4 ? AF_INET : AF_INET6;
    unsigned bits = family == 4 ? 32 : 128;
    if (inet_pton(af, addr, bytes) != 1)
        return -1;
    uint64_t len = bits;
    if (slash && (fs_parse_u64(slash + 1, &len) != 0 || len > bits))
        return -1;
    for (unsigned i = (unsigned)len; i < bits; i++)
        bytes[i / 8] &= (unsigned char)~(0x80u >> (i % 8));
    char text[INET6_ADDRSTRLEN];
    if (!inet_ntop(af, bytes, text, sizeof text))
        return -1;
    int n = len == bits ? snprintf(out, size, "%s", text)
                        : snprintf(out, size, "%s/%u", text, (unsigned)len);
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

static int parse_port(const json_t *v, int *out)
{
    if (!v) {
        *out = -1;
        return 0;
    }
    if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 65535)
        return -1;
    *out = (int)json_integer_value(v);
    return 0;
}

static int read_connection(const json_t *t, int family, slpf_nft_spec_t *s, const char *tname,
                           char *why, size_t ws)
{
    if (!json_is_object(t))
        return fail(why, ws, 400, "$.target.%s: not an object", tname);
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)t, k, v)
    {
        if (strcmp(k, "src_addr") == 0 || strcmp(k, "dst_addr") == 0) {
            char *into = k[0] == 's' ? s->src : s->dst;
            if (!json_is_string(v) || parse_net(json_string_value(v), family, into, 64) != 0)
                return fail(why, ws, 400, "$.target.%s.%s: not an IPv%d address or CIDR", tname, k,
                            family);
        } else if (strcmp(k, "src_port") == 0 || strcmp(k, "dst_port") == 0) {
            if (parse_port(v, k[0] == 's' ? &s->src_port : &s->dst_port) != 0)
                return fail(why, ws, 400, "$.target.%s.%s: not a port 0-65535", tname, k);
        } else if (strcmp(k, "protocol") == 0) {
            const char *p = json_string_value(v);
            if (!p || (strcmp(p, "tcp") != 0 && strcmp(p, "udp") != 0 && strcmp(p, "icmp") != 0 &&
                       strcmp(p, "sctp") != 0))
                return fail(why, ws, 400, "$.target.%s.protocol: not one of tcp, udp, icmp, sctp",
                            tname);
            snprintf(s->proto, sizeof s->proto, "%s", p);
        } else {
            return fail(why, ws, 400, "$.target.%s.%s: unknown field", tname, k);
        }
    }
    if (strcmp(s->proto, "icmp") == 0 && (s->src_port >= 0 || s->dst_port >= 0))
        return fail(why, ws, 400, "$.target.%s: ports make no sense with protocol icmp", tname);
    return 0;
}

static int read_time(const json_t *args, const char *key, int64_t *out, char *why, size_t ws)
{
    const json_t *v = json_object_get(args, key);
    if (!v)
        return 0;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
        return fail(why, ws, 400, "$.args.%s: not a non-negative integer (milliseconds)", key);
    *out = (int64_t)json_integer_value(v);
    return 1;
}

static int read_args(const json_t *args, int64_t now, bool deny, slpf_nft_spec_t *s, char *why,
                     size_t ws)
{
    int64_t start = 0, stop = 0, duration = 0;
    int rc, has_start, has_stop, has_duration;
    if ((rc = read_time(args, "start_time", &start, why, ws)) < 0 || rc > 1)
        return rc;
    has_start = rc;
    if ((rc = read_time(args, "stop_time", &stop, why, ws)) > 1)
        return rc;
    has_stop = rc;
    if ((rc = read_time(args, "duration", &duration, why, ws)) > 1)
        return rc;
    has_duration = rc;
    if (has_start + has_stop + has_duration > 2)
        return fail(why, ws, 400, "$.args: only two of start_time, stop_time, duration");
    s->start_ms = has_start ? start : now;
    if (has_stop && has_duration && !has_start) {
        if (duration > stop)
            return fail(why, ws, 400, "$.args.duration: longer than the time until stop_time");
        s->start_ms = stop - duration;
    }
    if (has_stop)
        s->stop_ms = stop;
    else if (has_duration) {
        if (duration > INT64_MAX - s->start_ms)
            return fail(why, ws, 400, "$.args.duration: too large");
        s->stop_ms = s->start_ms + duration;
    }
    if (s->stop_ms && s->stop_ms <= now)
        return fail(why, ws, 400, "$.args: stop_time is already past");
    if (s->stop_ms && s->stop_ms <= s->start_ms)
        return fail(why, ws, 400, "$.args: the rule would end before it starts");

    const json_t *slpf = json_object_get(args, "slpf");
    if (!slpf)
        return 0;
    if (!json_is_object(slpf))
        return fail(why, ws, 400, "$.args.slpf: not an object");
    const char *k;
    const json_t *v;
    json_object_foreach((json_t *)slpf, k, v)
    {
        if (strcmp(k, "drop_process") == 0) {
            const char *p = json_string_value(v);
            if (!deny)
                return fail(why, ws, 501, "$.args.slpf.drop_process: only for deny");
            if (p && strcmp(p, "none") == 0)
                s->verdict = SLPF_NFT_DROP;
            else if (p && strcmp(p, "reject") == 0)
                s->verdict = SLPF_NFT_REJECT;
            else if (p && strcmp(p, "false_ack") == 0)
                return fail(why, ws, 501,
                            "$.args.slpf.drop_process: false_ack is not supported by the "
                            "slpf-nft actuator (nftables cannot fake a TCP handshake)");
            else
                return fail(why, ws, 400,
                            "$.args.slpf.drop_process: not one of none, reject, false_ack");
        } else if (strcmp(k, "persistent") == 0) {
            if (!json_is_boolean(v))
                return fail(why, ws, 400, "$.args.slpf.persistent: not a boolean");
            s->persistent = json_is_true(v);
        } else if (strcmp(k, "direction") == 0) {
            const char *d = json_string_value(v);
            if (d && strcmp(d, "both") == 0)
                s->dirs = SLPF_NFT_BOTH;
            else if (d && strcmp(d, "ingress") == 0)
                s->dirs = SLPF_NFT_INGRESS;
            else if (d && strcmp(d, "egress") == 0)
                s->dirs = SLPF_NFT_EGRESS;
            else
                return fail(why, ws, 400,
                            "$.args.slpf.direction: not one of both, ingress, egress");
        } else if (strcmp(k, "insert_rule") == 0) {
            if (!json_is_integer(v) || json_integer_value(v) < 1 ||
                json_integer_value(v) > SLPF_NFT_RULE_NUMBER_MAX)
                return fail(why, ws, 400, "$.args.slpf.insert_rule: not a rule number 1-%lld",
                            SLPF_NFT_RULE_NUMBER_MAX);
            s->insert_rule = json_integer_value(v);
        } else {
            return fail(why, ws, 501, "$.args.slpf.%s: not supported by the slpf-nft actuator", k);
        }
    }
    return 0;
}

int slpf_nft_spec_from_command(const json_t *cmd, int64_t now_ms, slpf_nft_spec_t *out, char *why,
                               size_t why_size)
{
    if (why && why_size)
        why[0] = '\0';
    memset(out, 0, sizeof *out);
    out->src_port = out->dst_port = -1;
    out->dirs = SLPF_NFT_BOTH;
    out->persistent = true;
    out->insert_rule = -1;
    if (!json_is_object(cmd))
        return fail(why, why_size, 400, "$: not an object");
    const char *action = json_string_value(json_object_get(cmd, "action"));
    const json_t *target = json_object_get(cmd, "target");
    if (!action || !json_is_object(target) || json_object_size(target) != 1)
        return fail(why, why_size, 400, "$: needs an action and exactly one target");
    bool deny = strcmp(action, "deny") == 0;
    if (!deny && strcmp(action, "allow") != 0)
        return fail(why, why_size, 501, "$.action: %s is not allow or deny", action);
    out->verdict = deny ? SLPF_NFT_DROP : SLPF_NFT_ACCEPT;
    const char *tname = json_object_iter_key(json_object_iter((json_t *)target));
    const json_t *t = json_object_get(target, tname);
    int rc;
    if (strcmp(tname, "ipv4_net") == 0 || strcmp(tname, "ipv6_net") == 0) {
        out->family = tname[3] == '4' ? 4 : 6;
        out->is_net = true;
        if (!json_is_string(t) ||
            parse_net(json_string_value(t), out->family, out->src, sizeof out->src) != 0)
            return fail(why, why_size, 400, "$.target.%s: not an IPv%d address or CIDR", tname,
                        out->family);
    } else if (strcmp(tname, "ipv4_connection") == 0 || strcmp(tname, "ipv6_connection") == 0) {
        out->family = tname[3] == '4' ? 4 : 6;
        if ((rc = read_connection(t, out->family, out, tname, why, why_size)) != 0)
            return rc;
    } else {
        return fail(why, why_size, 501, "$.target.%s: not supported by the slpf-nft actuator",
                    tname);
    }
    const json_t *args = json_object_get(cmd, "args");
    if (args && !json_is_object(args))
        return fail(why, why_size, 400, "$.args: not an object");
    if (args && (rc = read_args(args, now_ms, deny, out, why, why_size)) != 0)
        return rc;
    if (!args)
        out->start_ms = now_ms;
    return 0;
}

/* Appends printf text to buf at *len; -1 when it would not fit. */
static int put(char *buf, size_t size, size_t *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int put(char *buf, size_t size, size_t *len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf + *len, size - *len, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= size - *len)
        return -1;
    *len += (size_t)n;
    return 0;
}

/* match: "src", "dst", "both" (connection tuple) — which addresses to test. */
static int one_line(const slpf_nft_spec_t *s, long long number, const char *chain,
                    const char *match, slpf_nft_line_t *out)
{
    const char *ip = s->family == 4 ? "ip" : "ip6";
    char *b = out->expr;
    size_t n = sizeof out->expr, len = 0;
    out->chain = chain;
    b[0] = '\0';
    if (put(b, n, &len, "meta nfproto %s", s->family == 4 ? "ipv4" : "ipv6") != 0)
        return -1;
    if (s->is_net) {
        if (put(b, n, &len, " %s %s %s", ip, strcmp(match, "src") == 0 ? "saddr" : "daddr",
                s->src) != 0)
            return -1;
    } else {
        if (s->src[0] && put(b, n, &len, " %s saddr %s", ip, s->src) != 0)
            return -1;
        if (s->dst[0] && put(b, n, &len, " %s daddr %s", ip, s->dst) != 0)
            return -1;
    }
    if (strcmp(s->proto, "icmp") == 0) {
        if (put(b, n, &len, " meta l4proto %s", s->family == 4 ? "icmp" : "ipv6-icmp") != 0)
            return -1;
    } else if (s->proto[0] || s->src_port >= 0 || s->dst_port >= 0) {
        const char *th = s->proto[0] ? s->proto : "th";
        if (s->proto[0] ? put(b, n, &len, " meta l4proto %s", s->proto)
                        : put(b, n, &len, " meta l4proto { tcp, udp, sctp }"))
            return -1;
        if (s->src_port >= 0 && put(b, n, &len, " %s sport %d", th, s->src_port) != 0)
            return -1;
        if (s->dst_port >= 0 && put(b, n, &len, " %s dport %d", th, s->dst_port) != 0)
            return -1;
    }
    const char *verdict = s->verdict == SLPF_NFT_ACCEPT  ? "accept"
                          : s->verdict == SLPF_NFT_DROP  ? "drop"
                          : strcmp(s->proto, "tcp") == 0 ? "reject with tcp reset"
                                                         : "reject";
    return put(b, n, &len, " counter %s comment \"" SLPF_NFT_COMMENT "%lld\"", verdict, number);
}

int slpf_nft_rule_lines(const slpf_nft_spec_t *s, long long number,
                        slpf_nft_line_t out[SLPF_NFT_MAX_LINES])
{
    int count = 0;
    /* A net is "the other end": the source of ingress traffic, the
       destination of egress traffic. A connection tuple is literal. */
    if (s->dirs & SLPF_NFT_INGRESS)
        if (one_line(s, number, "input", "src", &out[count++]) != 0)
            return -1;
    if (s->dirs & SLPF_NFT_EGRESS)
        if (one_line(s, number, "output", "dst", &out[count++]) != 0)
            return -1;
    if (!s->is_net) {
        if (one_line(s, number, "forward", "both", &out[count++]) != 0)
            return -1;
    } else {
        if ((s->dirs & SLPF_NFT_INGRESS) &&
            one_line(s, number, "forward", "src", &out[count++]) != 0)
            return -1;
        if ((s->dirs & SLPF_NFT_EGRESS) &&
            one_line(s, number, "forward", "dst", &out[count++]) != 0)
            return -1;
    }
    return count;
}

bool slpf_nft_table_name_ok(const char *name)
{
    if (!name || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z')))
        return false;
    size_t i = 0;
    for (; name[i]; i++) {
        char c = name[i];
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '_' || c == '-';
        if (!ok || i >= SLPF_NFT_TABLE_MAX)
            return false;
    }
    return true;
}

int slpf_nft_table_script(const char *table, bool replace, char *buf, size_t size)
{
    if (!slpf_nft_table_name_ok(table) || !buf || size == 0)
        return -1;
    size_t len = 0;
    buf[0] = '\0';
    if (put(buf, size, &len, "add table inet %s\n", table) != 0)
        return -1;
    if (replace &&
        put(buf, size, &len, "delete table inet %s\nadd table inet %s\n", table, table) != 0)
        return -1;
    static const char *const chains[][2] = {
        {"input", "input"}, {"output", "output"}, {"forward", "forward"}};
    for (size_t i = 0; i < 3; i++)
        if (put(buf, size, &len,
                "add chain inet %s %s { type filter hook %s priority filter; policy accept; }\n",
                table, chains[i][0], chains[i][1]) != 0)
            return -1;
    return (int)len;
}
