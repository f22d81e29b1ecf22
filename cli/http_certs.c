/*  http_certs.c — the broker's HTTPS certificate, made by `fedsoarctl keys
    init` (docs/operations.md "HTTPS", design in docs/internals/http_certs.md).

    A local CA (EC P-256, 10 years, nameConstraints permitting only the
    names given) signs one server certificate (EC P-256, 825 days, SAN =
    the names) and is freed: its private key never reaches a disk, so the
    CA can vouch for that certificate and nothing else. Files:

      KEYS/http/ca.crt       the CA to trust (browser, curl --cacert)
      KEYS/http/broker.crt   the server certificate (PEM)
      KEYS/http/broker.key   its private key (PKCS#8 PEM, 0600)

    OpenSSL 3's EVP/X509 API only: no openssl command is run. */
#include "cli.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CA_DAYS 3650
#define SERVER_DAYS 825
#define BACKDATE_S 3600 /* notBefore an hour back: clocks of browser hosts drift */

/* ---- --http-names ------------------------------------------------------- */

static bool is_ipv4_shaped(const char *s)
{
    for (; *s; s++)
        if (!isdigit((unsigned char)*s) && *s != '.')
            return false;
    return true;
}

/* A DNS name: labels of [a-z0-9-] (1-63, no '-' at either end), at most
   253 characters, at least one letter somewhere (else it was meant as an
   address). Lowercased into out. */
static const char *check_dns(const char *item, char *out)
{
    size_t n = strlen(item), label = 0;
    bool letter = false;
    if (strchr(item, '*'))
        return "wildcards are not allowed (name each host)";
    if (strpbrk(item, " \t\r\n"))
        return "a name has no spaces";
    if (n > 253)
        return "longer than 253 characters";
    for (size_t i = 0; i <= n; i++) {
        char c = item[i];
        if (c == '.' || c == '\0') {
            if (label == 0)
                return "an empty label (\"..\", or a dot at either end)";
            if (item[i - 1] == '-')
                return "a label ends with '-'";
            label = 0;
        } else if (isalnum((unsigned char)c) || c == '-') {
            if (label == 0 && c == '-')
                return "a label starts with '-'";
            if (++label > 63)
                return "a label is longer than 63 characters";
            letter |= isalpha((unsigned char)c) != 0;
        } else {
            return "not a DNS name (letters, digits, '-' and '.') nor an IP address";
        }
        out[i] = (char)tolower((unsigned char)c);
    }
    if (!letter)
        return "not an IP address";
    return NULL;
}

/* Adds an address once (given twice: once is enough). */
static void add_ip(cli_http_names_t *names, const unsigned char *addr, size_t len)
{
    for (size_t i = 0; i < names->n_ip; i++)
        if (names->ip_len[i] == len && memcmp(names->ip[i], addr, len) == 0)
            return;
    memcpy(names->ip[names->n_ip], addr, len);
    names->ip_len[names->n_ip++] = len;
}

int cli_http_names_parse(const char *csv, cli_http_names_t *out, char *why, size_t why_size)
{
    memset(out, 0, sizeof *out);
    const char *p = csv;
    for (size_t nth = 1;; nth++) {
        const char *end = strchr(p, ',');
        size_t n = end ? (size_t)(end - p) : strlen(p);
        char item[300];
        if (n >= sizeof item) {
            snprintf(why, why_size, "item %zu (\"%.40s...\"): longer than 253 characters", nth, p);
            return -1;
        }
        memcpy(item, p, n);
        item[n] = '\0';
        const char *bad = NULL;
        unsigned char addr[16];
        char dns[254];
        if (n == 0) {
            bad = "empty";
        } else if (out->n_dns + out->n_ip >= CLI_HTTP_NAMES_MAX) {
            bad = "one name too many (at most 32)";
        } else if (strchr(item, ':')) {
            if (inet_pton(AF_INET6, item, addr) != 1)
                bad = "not an IPv6 address";
            else
                add_ip(out, addr, 16);
        } else if (is_ipv4_shaped(item)) {
            if (inet_pton(AF_INET, item, addr) != 1)
                bad = "not an IPv4 address (four numbers 0-255: 10.0.0.5)";
            else
                add_ip(out, addr, 4);
        } else if (!(bad = check_dns(item, dns))) {
            bool seen = false;
            for (size_t i = 0; i < out->n_dns; i++)
                seen |= strcmp(out->dns[i], dns) == 0;
            if (!seen)
                memcpy(out->dns[out->n_dns++], dns, strlen(dns) + 1);
        }
        if (bad) {
            snprintf(why, why_size, "item %zu (\"%s\"): %s", nth, item, bad);
            return -1;
        }
        if (!end)
            return 0;
        p = end + 1;
    }
}

void cli_http_names_format(const cli_http_names_t *names, char *out, size_t size)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < names->n_dns + names->n_ip && used < size; i++) {
        char ip[INET6_ADDRSTRLEN];
        const char *text = names->dns[i];
        if (i >= names->n_dns) {
            size_t k = i - names->n_dns;
            inet_ntop(names->ip_len[k] == 4 ? AF_INET : AF_INET6, names->ip[k], ip, sizeof ip);
            text = ip;
        }
        int w = snprintf(out + used, size - used, "%s%s", i ? "," : "", text);
        used += w > 0 ? (size_t)w : 0;
    }
}

/* ---- building the certificates ------------------------------------------ */

static GENERAL_NAME *dns_name(const char *name)
{
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_IA5STRING *s = ASN1_IA5STRING_new();
    if (!g || !s || !ASN1_STRING_set(s, name, (int)strlen(name))) {
        GENERAL_NAME_free(g);
        ASN1_IA5STRING_free(s);
        return NULL;
    }
    GENERAL_NAME_set0_value(g, GEN_DNS, s);
    return g;
}

/* An iPAddress: the address (SAN) or, with_mask, address + all-ones mask
   (a nameConstraints subtree of exactly that address). mask_zero: the
   whole family (0.0.0.0/0 or ::/0). */
static GENERAL_NAME *ip_name(const unsigned char *addr, size_t len, bool with_mask, bool mask_zero)
{
    unsigned char buf[32];
    memcpy(buf, addr, len);
    size_t n = len;
    if (with_mask) {
        memset(buf + len, mask_zero ? 0x00 : 0xff, len);
        n = 2 * len;
    }
    GENERAL_NAME *g = GENERAL_NAME_new();
    ASN1_OCTET_STRING *s = ASN1_OCTET_STRING_new();
    if (!g || !s || !ASN1_OCTET_STRING_set(s, buf, (int)n)) {
        GENERAL_NAME_free(g);
        ASN1_OCTET_STRING_free(s);
        return NULL;
    }
    GENERAL_NAME_set0_value(g, GEN_IPADD, s);
    return g;
}

static int push_subtree(STACK_OF(GENERAL_SUBTREE) * st, GENERAL_NAME *g)
{
    GENERAL_SUBTREE *sub = g ? GENERAL_SUBTREE_new() : NULL;
    if (!sub) {
        GENERAL_NAME_free(g);
        return -1;
    }
    GENERAL_NAME_free(sub->base);
    sub->base = g;
    if (!sk_GENERAL_SUBTREE_push(st, sub)) {
        GENERAL_SUBTREE_free(sub);
        return -1;
    }
    return 0;
}

/* nameConstraints: permitted = each DNS name and each address (exactly);
   a family given no address is excluded whole (RFC 5280: a type without a
   constraint is unconstrained). */
static int add_name_constraints(X509 *ca, const cli_http_names_t *names)
{
    static const unsigned char zero[16] = {0};
    NAME_CONSTRAINTS *nc = NAME_CONSTRAINTS_new();
    if (!nc)
        return -1;
    nc->permittedSubtrees = sk_GENERAL_SUBTREE_new_null();
    nc->excludedSubtrees = sk_GENERAL_SUBTREE_new_null();
    int rc = nc->permittedSubtrees && nc->excludedSubtrees ? 0 : -1;
    bool v4 = false, v6 = false;
    for (size_t i = 0; rc == 0 && i < names->n_dns; i++)
        rc = push_subtree(nc->permittedSubtrees, dns_name(names->dns[i]));
    for (size_t i = 0; rc == 0 && i < names->n_ip; i++) {
        v4 |= names->ip_len[i] == 4;
        v6 |= names->ip_len[i] == 16;
        rc = push_subtree(nc->permittedSubtrees,
                          ip_name(names->ip[i], names->ip_len[i], true, false));
    }
    if (rc == 0 && !v4)
        rc = push_subtree(nc->excludedSubtrees, ip_name(zero, 4, true, true));
    if (rc == 0 && !v6)
        rc = push_subtree(nc->excludedSubtrees, ip_name(zero, 16, true, true));
    if (rc == 0 && sk_GENERAL_SUBTREE_num(nc->excludedSubtrees) == 0) {
        sk_GENERAL_SUBTREE_free(nc->excludedSubtrees);
        nc->excludedSubtrees = NULL;
    }
    if (rc == 0 && X509_add1_ext_i2d(ca, NID_name_constraints, nc, 1, X509V3_ADD_DEFAULT) != 1)
        rc = -1;
    NAME_CONSTRAINTS_free(nc);
    return rc;
}

static int add_san(X509 *leaf, const cli_http_names_t *names)
{
    GENERAL_NAMES *gens = sk_GENERAL_NAME_new_null();
    int rc = gens ? 0 : -1;
    for (size_t i = 0; rc == 0 && i < names->n_dns + names->n_ip; i++) {
        size_t k = i - names->n_dns;
        GENERAL_NAME *g = i < names->n_dns ? dns_name(names->dns[i])
                                           : ip_name(names->ip[k], names->ip_len[k], false, false);
        if (!g || !sk_GENERAL_NAME_push(gens, g)) {
            GENERAL_NAME_free(g);
            rc = -1;
        }
    }
    if (rc == 0 && X509_add1_ext_i2d(leaf, NID_subject_alt_name, gens, 0, X509V3_ADD_DEFAULT) != 1)
        rc = -1;
    GENERAL_NAMES_free(gens);
    return rc;
}

/* One extension from OpenSSL's text form (constant strings only). */
static int add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
    X509V3_CTX ctx;
    X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
    X509_EXTENSION *ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value);
    int rc = ext && X509_add_ext(cert, ext, -1) == 1 ? 0 : -1;
    X509_EXTENSION_free(ext);
    return rc;
}

/* Version 3, a 128-bit random serial, the validity, subject CN and key. */
static X509 *cert_base(EVP_PKEY *key, const char *cn, long days)
{
    X509 *x = X509_new();
    unsigned char rnd[16] = {0};
    BIGNUM *bn = NULL;
    X509_NAME *name = NULL;
    bool ok = x && X509_set_version(x, X509_VERSION_3) && RAND_bytes(rnd, sizeof rnd) == 1;
    /* 128 random bits; zero (chance 2^-128) is not a serial: fail */
    ok = ok && (bn = BN_bin2bn(rnd, sizeof rnd, NULL)) && !BN_is_zero(bn) &&
         BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x));
    ok = ok && X509_gmtime_adj(X509_getm_notBefore(x), -BACKDATE_S) &&
         X509_time_adj_ex(X509_getm_notAfter(x), (int)days, 0, NULL) &&
         X509_set_pubkey(x, key) == 1 && (name = X509_NAME_new()) &&
         X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
                                    0) == 1 &&
         X509_set_subject_name(x, name) == 1;
    BN_free(bn);
    X509_NAME_free(name);
    if (!ok)
        X509_free(x);
    return ok ? x : NULL;
}

static char *pem_of_cert(X509 *x, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL, *data = NULL;
    if (bio && PEM_write_bio_X509(bio, x) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        out = fs_xmalloc((size_t)n + 1);
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
    }
    BIO_free(bio);
    return out;
}

static char *pem_of_key(EVP_PKEY *key, size_t *len)
{
    BIO *bio = BIO_new(BIO_s_mem());
    char *out = NULL, *data = NULL;
    if (bio && PEM_write_bio_PrivateKey(bio, key, NULL, NULL, 0, NULL, NULL) == 1) {
        long n = BIO_get_mem_data(bio, &data);
        out = fs_xmalloc((size_t)n + 1);
        memcpy(out, data, (size_t)n);
        out[n] = '\0';
        *len = (size_t)n;
        OPENSSL_cleanse(data, (size_t)n);
    }
    BIO_free(bio);
    return out;
}

/* The three PEM texts, made in memory before any file is touched. */
typedef struct issued {
    char *ca, *crt, *key;
    size_t ca_len, crt_len, key_len;
} issued_t;

static void issued_clear(issued_t *t)
{
    if (t->key)
        OPENSSL_cleanse(t->key, t->key_len);
    free(t->ca);
    free(t->crt);
    free(t->key);
    memset(t, 0, sizeof *t);
}

static int issue(const cli_http_names_t *names, issued_t *out, fs_err_t *e)
{
    char host[256] = "unknown host", day[16], cn[400];
    if (gethostname(host, sizeof host) != 0)
        snprintf(host, sizeof host, "unknown host");
    host[sizeof host - 1] = '\0';
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(day, sizeof day, "%Y-%m-%d", &tm);
    snprintf(cn, sizeof cn, "fedsoar local CA (%.200s, %s)", host, day);

    EVP_PKEY *ca_key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *ca = ca_key ? cert_base(ca_key, cn, CA_DAYS) : NULL;
    /* "fedsoar broker" has a space on purpose: it can never be read as a
       host name (OpenSSL checks a CN that looks like one against the DNS
       constraints when a certificate has no DNS name). */
    X509 *leaf = key ? cert_base(key, "fedsoar broker", SERVER_DAYS) : NULL;
    bool ok = ca && leaf && X509_set_issuer_name(ca, X509_get_subject_name(ca)) == 1 &&
              add_ext(ca, ca, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") == 0 &&
              add_ext(ca, ca, NID_key_usage, "critical,keyCertSign,cRLSign") == 0 &&
              add_ext(ca, ca, NID_subject_key_identifier, "hash") == 0 &&
              add_ext(ca, ca, NID_authority_key_identifier, "keyid:always") == 0 &&
              add_name_constraints(ca, names) == 0 && X509_sign(ca, ca_key, EVP_sha256()) > 0;
    ok = ok && X509_set_issuer_name(leaf, X509_get_subject_name(ca)) == 1 &&
         add_ext(leaf, ca, NID_basic_constraints, "critical,CA:FALSE") == 0 &&
         add_ext(leaf, ca, NID_key_usage, "critical,digitalSignature") == 0 &&
         add_ext(leaf, ca, NID_ext_key_usage, "serverAuth") == 0 &&
         add_ext(leaf, ca, NID_subject_key_identifier, "hash") == 0 &&
         add_ext(leaf, ca, NID_authority_key_identifier, "keyid:always") == 0 &&
         add_san(leaf, names) == 0 && X509_sign(leaf, ca_key, EVP_sha256()) > 0;
    /* The CA's work is done: its private key goes with it, never written. */
    EVP_PKEY_free(ca_key);
    memset(out, 0, sizeof *out);
    if (ok) {
        out->ca = pem_of_cert(ca, &out->ca_len);
        out->crt = pem_of_cert(leaf, &out->crt_len);
        out->key = pem_of_key(key, &out->key_len);
        ok = out->ca && out->crt && out->key;
    }
    X509_free(ca);
    X509_free(leaf);
    EVP_PKEY_free(key);
    if (!ok) {
        issued_clear(out);
        return fs_err_set(e, "cannot make the HTTPS certificates (OpenSSL failed)");
    }
    return 0;
}

/* ---- the files ---------------------------------------------------------- */

static const char *const files[] = {"ca.crt", "broker.crt", "broker.key"};

int cli_http_certs_write(const char *keys_dir, const cli_http_names_t *names, bool reissue,
                         cli_http_certs_outcome_t *outcome, fs_err_t *e)
{
    char dir[4096], path[3][4200], old[3][4200];
    if (snprintf(dir, sizeof dir, "%s/http", keys_dir) >= (int)sizeof dir)
        return fs_err_set(e, "%s: path too long", keys_dir);
    if (fs_mkdir_p(dir, 0700, e) != 0)
        return -1;
    bool any = false;
    for (int i = 0; i < 3; i++) {
        snprintf(path[i], sizeof path[i], "%s/%s", dir, files[i]);
        snprintf(old[i], sizeof old[i], "%s/%s.old", dir, files[i]);
        any |= access(path[i], F_OK) == 0;
    }
    if (any && !reissue) {
        *outcome = CLI_HTTP_CERTS_KEPT;
        return 0;
    }
    issued_t t;
    if (issue(names, &t, e) != 0)
        return -1;
    int rc = 0;
    /* Never a silent replacement: the previous files become NAME.old (a
       previous NAME.old goes), and the caller says so. */
    for (int i = 0; rc == 0 && any && i < 3; i++) {
        if (access(path[i], F_OK) == 0 && rename(path[i], old[i]) != 0)
            rc = fs_err_set(e, "%s: cannot move aside to %s: %s", path[i], old[i], strerror(errno));
    }
    if (rc == 0 && (fs_file_write_atomic(path[2], t.key, t.key_len, 0600, e) != 0 ||
                    fs_file_write_atomic(path[1], t.crt, t.crt_len, 0644, e) != 0 ||
                    fs_file_write_atomic(path[0], t.ca, t.ca_len, 0644, e) != 0))
        rc = -1;
    if (rc == 0) /* whatever the umask did to the key's mode */
        chmod(path[2], 0600);
    issued_clear(&t);
    *outcome = any ? CLI_HTTP_CERTS_REISSUED : CLI_HTTP_CERTS_WRITTEN;
    return rc;
}
