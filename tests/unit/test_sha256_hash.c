/*  test_sha256_hash.c — fs_sha256_hex (common/hash.c), which fetches
    OpenSSL's SHA-256 once per process: the same digests as before for the
    FIPS 180-2 vectors (the empty input included) and as OpenSSL's own
    one-shot EVP_Q_digest for every length 0..1100, and the same digests
    from threads that race to the first call. */
#include "check.h"
#include "common.h"

#include <openssl/evp.h>
#include <pthread.h>

static const struct {
    const char *text;
    const char *hex;
} vectors[] = {
    {"", "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"},
    {"abc", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"},
    {"abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
     "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1"},
};

/* Lowercase hex of OpenSSL's one-shot digest, fetched by name there. */
static void reference(const void *data, size_t len, char out[65])
{
    unsigned char md[32];
    size_t n = 0;
    CHECK_INT(EVP_Q_digest(NULL, "SHA256", NULL, data, len, md, &n), 1);
    for (size_t i = 0; i < 32; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

#define THREADS 4
#define ROUNDS 2000

static void *hash_in_thread(void *arg)
{
    const char *text = arg;
    char hex[65];
    long same = 0;
    for (int i = 0; i < ROUNDS; i++) {
        fs_sha256_hex(text, strlen(text), hex);
        same += strcmp(hex, vectors[2].hex) == 0;
    }
    return (void *)same;
}

int main(void)
{
    /* Threads first: they race to the first call (pthread_once). */
    pthread_t t[THREADS];
    for (int i = 0; i < THREADS; i++)
        CHECK_INT(pthread_create(&t[i], NULL, hash_in_thread, (void *)vectors[2].text), 0);
    for (int i = 0; i < THREADS; i++) {
        void *same = NULL;
        CHECK_INT(pthread_join(t[i], &same), 0);
        CHECK_INT((long)same, ROUNDS);
    }

    char hex[65], want[65];
    for (size_t i = 0; i < sizeof vectors / sizeof vectors[0]; i++) {
        fs_sha256_hex(vectors[i].text, strlen(vectors[i].text), hex);
        CHECK_STR(hex, vectors[i].hex);
    }
    /* A NULL pointer with length 0 is the empty input too. */
    fs_sha256_hex(NULL, 0, hex);
    CHECK_STR(hex, vectors[0].hex);

    /* One million 'a' (FIPS 180-2 appendix B.3), and every length up to
       1100 bytes of varied content against OpenSSL's own one-shot. */
    size_t big = 1000000;
    char *a = fs_xmalloc(big);
    memset(a, 'a', big);
    fs_sha256_hex(a, big, hex);
    CHECK_STR(hex, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
    for (size_t i = 0; i < 1100; i++)
        a[i] = (char)(i * 131 + 7);
    for (size_t len = 0; len <= 1100; len++) {
        fs_sha256_hex(a, len, hex);
        reference(a, len, want);
        CHECK_STR(hex, want);
        CHECK_INT(strlen(hex), 64);
    }
    free(a);
    return check_summary();
}
