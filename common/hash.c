/*  hash.c — SHA-256 as lowercase hex (audit chain, event ids, fingerprints).

    The broker hashes every audit entry and event, so the SHA-256
    implementation is fetched from OpenSSL's provider once per process:
    EVP_sha256() would look it up again (a locked method-store fetch) at
    every EVP_Digest. The fetched EVP_MD is kept until exit and not freed:
    a thread may still hash while the process exits, and valgrind counts
    the block as still reachable (through `sha256`), not as a leak. */
#include "common.h"

#include <openssl/evp.h>
#include <pthread.h>

static pthread_once_t sha256_once = PTHREAD_ONCE_INIT;
static EVP_MD *sha256; /* NULL if the fetch failed: EVP_sha256() then */

static void sha256_fetch(void)
{
    sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
}

void fs_sha256_hex(const void *data, size_t len, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    pthread_once(&sha256_once, sha256_fetch);
    unsigned char md[32] = {0}; /* all zeros if the digest failed */
    unsigned int mdlen = 0;
    EVP_Digest(data, len, md, &mdlen, sha256 ? sha256 : EVP_sha256(), NULL);
    for (unsigned i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}
