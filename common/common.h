/*  common.h — the few things every fedsoar part needs: errors, logging,
    files, time, JSON config, hashing.  Keep it small (DESIGN.md §2).

    Conventions used across fedsoar:
    - functions return 0 on success and -1 on failure, and fill an fs_err_t
      with a message that says what was wrong, where, and what to do;
    - "Caller owns" means the caller must free()/json_decref() the result.
*/
#ifndef FEDSOAR_COMMON_H
#define FEDSOAR_COMMON_H

#include <jansson.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FS_PROTOCOL_VERSION "FSP/1"
#define FS_OCSF_VERSION "1.8.0"

/* ---- errors --------------------------------------------------------------
   An fs_err_t carries a numeric code (what kind of failure, for programs) and
   a text (what, where and what to do, for people).  Callers decide on the
   code, never on the text.  Codes are ints in one range per library, each
   range with its own enum and *_strerror (LMDB's manner: its own range
   beside errno):

     common     FS_E_*        1..99     fs_strerror        (common.h)
     FSP/1      FSP_E_*     100..199    fsp_strerror       (fsp.h)
     OpenC2     OPENC2_E_*  200..299    openc2_strerror    (openc2.h)
     routing    ROUTE_E_*   300..399    route_strerror     (routing.h)
     normalize  NORMALIZE_E_* 400..499  normalize_strerror (normalize.h)
     playbooks  PLAYBOOK_E_* 500..599   playbook_strerror  (playbooks.h)
     casestore  600..699, broker 700..799, adapters 800..899

   0 is success.  fs_err_set gives FS_E_GENERIC (the text says it all). */

#define FS_ERR_BASE_FSP 100
#define FS_ERR_BASE_OPENC2 200
#define FS_ERR_BASE_ROUTE 300
#define FS_ERR_BASE_NORMALIZE 400
#define FS_ERR_BASE_PLAYBOOK 500
#define FS_ERR_BASE_CASESTORE 600
#define FS_ERR_BASE_BROKER 700
#define FS_ERR_BASE_ADAPTER 800

typedef enum fs_errc {
    FS_OK = 0,
    FS_E_GENERIC = 1, /* set by fs_err_set: no more precise code */
    FS_E_INVALID,     /* input breaks a documented rule (document, argument) */
    FS_E_PARSE,       /* input is not well-formed (JSON syntax, encoding) */
    FS_E_TOO_BIG,     /* input over a documented limit */
    FS_E_NOT_FOUND,   /* a named file, record or directory does not exist */
    FS_E_IO,          /* the file system refused (open, read, write, rename) */
    FS_E_STORAGE,     /* LMDB failed (other than full) */
    FS_E_FULL,        /* a bounded store or queue is full: nothing was taken */
    FS_E_CRYPTO,      /* a key, signature or random source failed */
    FS_E_DENIED,      /* an identity may not do this */
    FS_E_LAST_
} fs_errc_t;

/* `fs_err_t e = {0};` is an empty error (text "", code 0). `{0}` is C's
   universal zero initializer, which -Wmissing-field-initializers accepts
   (GCC and clang); `{{0}}` would name text only and draw the warning. */
typedef struct fs_err {
    char text[512];
    int code; /* fs_errc_t or a library's range; 0 until set */
} fs_err_t;

/* Sets e->text (printf-style) and e->code = FS_E_GENERIC. Safe with e ==
   NULL. Always returns -1, so `return fs_err_set(e, ...)` reads as "fail
   with this message". */
int fs_err_set(fs_err_t *e, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* The same with a code (any library's range). Returns -1. */
int fs_err_setc(fs_err_t *e, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* e's code (0 when e is NULL or unset). */
int fs_err_code(const fs_err_t *e);
/* A short constant name for a common code ("invalid", "full", ...);
   "unknown" for codes outside 0..99. Static string. */
const char *fs_strerror(int code);

/* ---- memory --------------------------------------------------------------
   The out-of-memory policy (docs/internals/common.md): an allocation that
   fails logs one line and aborts. Nothing is acknowledged before its LMDB
   commit, so stopping loses nothing acknowledged. Use the fs_x* allocators
   (never NULL) instead of malloc/calloc/realloc/strdup/strndup; every program calls
   fs_memory_policy_install() first, which gives jansson the same policy. */

void fs_oom(size_t size) __attribute__((noreturn));
void *fs_xmalloc(size_t size);
void *fs_xcalloc(size_t n, size_t size);
void *fs_xrealloc(void *ptr, size_t size);
char *fs_xstrdup(const char *s);
/* At most n bytes of s, NUL-terminated (strndup). */
char *fs_xstrndup(const char *s, size_t n);
/* A new string printf-style (vasprintf); caller frees. */
char *fs_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *fs_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
void fs_memory_policy_install(void);

/* ---- logging ------------------------------------------------------------
   One line per event on stderr, logfmt: `ts=… level=… comp=… event=… k=v…`.
   `kv` is a printf format producing further space-separated key=value pairs
   (quote values that may hold spaces with fs_log_quote). Secrets never go
   into kv. */

typedef enum { FS_LOG_DEBUG, FS_LOG_INFO, FS_LOG_WARN, FS_LOG_ERROR } fs_log_level_t;

void fs_log_set_level(fs_log_level_t level);
void fs_log(fs_log_level_t level, const char *comp, const char *event, const char *kv, ...)
    __attribute__((format(printf, 4, 5)));
/* Lines held back: between fs_log_hold and fs_log_release, the calling
   thread's lines are kept in memory, then written in order (emit) or
   dropped.  A transaction that may still abort holds what it logs, so that
   only what was committed is logged (broker/site.c: a group of site
   messages that fails is handled again one message at a time, and that
   logs each for real). Holds do not nest. */
void fs_log_hold(void);
void fs_log_release(bool emit);
/* Writes `"s"` with quotes and backslashes escaped into buf (truncated to fit). Returns buf. */
const char *fs_log_quote(char *buf, size_t size, const char *s);

/* ---- files --------------------------------------------------------------- */

/* Reads a whole file (at most max bytes; larger is an error). Returns a
   NUL-terminated buffer; *len excludes the NUL. Caller owns. "-" = stdin. */
char *fs_file_read(const char *path, size_t max, size_t *len, fs_err_t *e);
/* Writes data to path atomically (tmp file, fsync, rename, fsync dir). */
int fs_file_write_atomic(const char *path, const void *data, size_t len, int mode, fs_err_t *e);
/* mkdir -p with the given mode for created components. */
int fs_mkdir_p(const char *path, int mode, fs_err_t *e);
bool fs_is_dir(const char *path);

/* ---- time ---------------------------------------------------------------- */

int64_t fs_now_ms(void);  /* wall clock, epoch milliseconds UTC */
int64_t fs_mono_ms(void); /* monotonic, for timeouts and intervals */
int64_t fs_mono_us(void); /* the same in microseconds (pacing finer than a poll's ms) */
/* Formats epoch ms as RFC 3339 UTC with milliseconds into buf (>= 25 bytes). */
const char *fs_time_format(int64_t ms, char *buf, size_t size);
/* Parses RFC 3339 / ISO 8601 ("2024-01-02T03:04:05.678Z", "+02:00" offsets,
   "2024-01-02 03:04:05", date only). Returns 0 and sets *ms, or -1. */
int fs_time_parse(const char *s, int64_t *ms);

/* ---- JSON config --------------------------------------------------------
   Config files are JSON objects; see docs/cli.md for each program's keys. */

#define FS_CONFIG_MAX_BYTES (1u << 20) /* 1 MiB: a larger config file is refused */

/* Loads and parses a JSON object file (at most FS_CONFIG_MAX_BYTES). Errors
   name file, line and column. Check it with fs_schema_check
   (config_schema.h). Caller owns the result. */
json_t *fs_config_load(const char *path, fs_err_t *e);
/* Looks up a dotted path ("broker.listen") and returns the string there, or
   dflt when absent. Borrowed: valid while cfg lives. */
const char *fs_config_string(const json_t *cfg, const char *dotted, const char *dflt);
/* Integer at a dotted path, or dflt. */
long long fs_config_int(const json_t *cfg, const char *dotted, long long dflt);

/* ---- JSON helpers -------------------------------------------------------- */

/* Parses exactly one JSON value from buf (I-JSON: rejects duplicate keys,
   invalid UTF-8 and NUL bytes). Errors name line/column. Caller owns. */
json_t *fs_json_parse(const char *buf, size_t len, fs_err_t *e);
/* Compact, key-sorted serialization (the canonical form used for hashing):
   json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS | JSON_ENCODE_ANY) byte for
   byte, written by fs_json_write. Caller owns (free()); NULL where jansson
   gives NULL (a cycle, a string that is not UTF-8, a non-finite real). */
char *fs_json_canonical(const json_t *v);

/* A growable text buffer (json_write.c). data is owned by the buffer and
   NUL-terminated after fs_text_append and fs_json_write (the NUL is not
   counted in len). Start with (fs_text_t){0}; not thread-safe. */
typedef struct fs_text {
    char *data;
    size_t len;
    size_t cap;
} fs_text_t;
/* Makes room for n more bytes and a NUL. Never fails (fs_xrealloc). */
void fs_text_reserve(fs_text_t *t, size_t n);
/* Appends n raw bytes. */
void fs_text_append(fs_text_t *t, const void *bytes, size_t n);
/* Appends printf-formatted text (not for a hot path: it formats into a
   copy first). */
void fs_text_printf(fs_text_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Frees data; the buffer is empty and usable again. Safe with NULL. */
void fs_text_release(fs_text_t *t);
/* Appends the compact JSON text of v (borrowed, any type): exactly the bytes
   json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | (sorted ? JSON_SORT_KEYS : 0))
   returns, at a fraction of its cost (tests/unit/test_json_write.c and
   tests/fuzz/fuzz_json_write.c compare them). Returns 0, or -1 with t
   unchanged where json_dumps returns NULL. */
int fs_json_write(fs_text_t *t, const json_t *v, bool sorted);
/* The same text on its own: caller owns (free()), NULL where json_dumps
   gives NULL. */
char *fs_json_text(const json_t *v, bool sorted);
/* The pieces, for a caller that writes a known object member by member:
   a string (len bytes) as json_dumps writes it (-1, t unchanged, when it is
   not valid UTF-8), and an integer ("%lld"). */
int fs_json_write_string(fs_text_t *t, const char *s, size_t len);
void fs_json_write_integer(fs_text_t *t, json_int_t v);
/* For each byte, what a JSON string writer must do with it: 0 copy, 1
   escape ('"', '\\', below 0x20), 2 check the UTF-8 sequence it starts
   (0x80 and above: fs_utf8_seq). */
extern const unsigned char fs_json_string_byte[256];

/* Whether text (len bytes) is exactly fs_json_canonical(v): signed payloads
   have one representation only. */
bool fs_json_is_canonical(const json_t *v, const char *text, size_t len);

/* Picks string fields out of a JSON object without parsing it whole:
   each pick names a member ("site") or a member of a member
   ("metadata.uid"). Returns 0 when buf is one JSON object whose structure
   holds (numbers are not checked) and no picked field appears twice or
   under an escaped key; -1 otherwise. A found string's span is raw (between
   its quotes, escapes not decoded; found == FS_PICK_ESCAPED says it has
   some). Spans point into buf. */
typedef enum { FS_PICK_ABSENT, FS_PICK_STRING, FS_PICK_ESCAPED, FS_PICK_OTHER } fs_pick_found_t;
typedef struct fs_json_pick {
    const char *path;
    fs_pick_found_t found;
    const char *at;
    size_t len;
} fs_json_pick_t;
int fs_json_pick(const char *buf, size_t len, fs_json_pick_t *picks, size_t npicks);

/* ---- hashing ------------------------------------------------------------- */

/* SHA-256 of data as 64 lowercase hex chars + NUL into out (>= 65 bytes). */
void fs_sha256_hex(const void *data, size_t len, char out[65]);

/* ---- small string helpers ---------------------------------------------- */

/* The length of the UTF-8 sequence at s (avail >= 1 bytes left) as jansson
   accepts it (no overlong forms, surrogates or code points past U+10FFFF),
   0 when invalid: what json_dumps refuses, so writers that must give its
   bytes check with this. */
size_t fs_utf8_seq(const unsigned char *s, size_t avail);

/* A name fedsoar uses for sites, operators, roles, step and playbook ids:
   1 to max characters of [a-z0-9_-]. NULL is not a name. */
bool fs_is_name(const char *s, size_t max);
/* Parses a base-10 unsigned integer that must fill the whole string. */
int fs_parse_u64(const char *s, uint64_t *out);
/* Big-endian u64 keys sort in numeric order in LMDB. */
void fs_u64_to_be(uint64_t v, unsigned char out[8]);
uint64_t fs_u64_from_be(const unsigned char in[8]);

#endif
