/*  framing_internal.h — private to normalize/framing*.c: the record
    splitter's state (struct normalize_stream), its modes and items, and the
    functions its two files share.  framing.c holds the hot path (the byte
    scanner and normalize_stream_feed); framing_stream.c the lifecycle,
    checkpoint positions and what a finished record becomes (an event or a
    reject).  The design is described at the top of framing.c. */
#ifndef FEDSOAR_NORMALIZE_FRAMING_INTERNAL_H
#define FEDSOAR_NORMALIZE_FRAMING_INTERNAL_H

#include "internal.h"

#define NZ_STREAM_MAX_DEPTH 2048
#define NZ_STREAM_RAW_MAX (64u * 1024u) /* raw bytes kept with an oversized record's reject */

typedef enum {
    M_TOP,        /* JSON: between top-level values (clean) */
    M_ARR,        /* JSON: between elements of a top-level array (clean) */
    M_ENV_ARR,    /* JSON: between elements of an envelope's array (clean) */
    M_ENV_OBJ,    /* JSON: at an envelope's object value (clean) */
    M_ENV_AFTER,  /* JSON: after an envelope's value, inside its object (clean) */
    M_AUTO,       /* xml_or_json: before the first non-blank byte (clean) */
    M_LINES,      /* lines (clean) */
    M_XML,        /* XML events (clean) */
    M_WHOLE,      /* whole message, nothing seen yet (clean) */
    M_WHOLE_DONE, /* whole message taken (clean); later bytes are ignored */
    M_SKIP,       /* consuming the rest of an oversized JSON value */
    M_RESYNC,     /* consuming until a line that starts with { or [ */
    M_LINE_SKIP,  /* consuming the rest of an oversized line */
    M_XML_SKIP,   /* consuming until </Event> */
    M_WHOLE_SKIP  /* consuming an oversized whole message */
} mode_t_;

/* Position names of the clean modes, in mode order (framing_stream.c). */
extern const char *const nz_stream_mode_names[];
#define CLEAN_MODES 10 /* the modes above M_SKIP */

typedef enum {
    IT_NONE,
    IT_OBJ,    /* top-level object: a record, or an envelope (keys tracked) */
    IT_ELEM,   /* array element (object = record, else rejected) */
    IT_ENVOBJ, /* an envelope's object value: one record */
    IT_REST,   /* the rest of an envelope object after its value */
    IT_STR,    /* a string value at top level or as an element */
    IT_TOKEN,  /* number / literal / garbage token */
    IT_BAD,    /* a rejected region, waiting for the resync point */
    IT_LINE,   /* a line without its newline yet */
    IT_XML,    /* <Event ... without its </Event> yet */
    IT_WHOLE   /* the whole input */
} item_t;

enum { K_NONE, K_KEY, K_INKEY, K_COLON, K_VALUE };
enum { SCAN_MORE, SCAN_DONE, SCAN_ERR, SCAN_ENV };

struct normalize_stream {
    const mapping_t *m;  /* the source's mapping */
    mapping_t json_copy; /* xml_or_json, JSON variant: same mapping, no decoder */
    nz_run_t run;
    int mode;
    size_t base;    /* absolute offset of the caller's buf[0] (= bytes consumed) */
    size_t records; /* records reported so far */
    size_t max;     /* one record's limit */
    bool truncated; /* the input ended inside a record */
    /* the pending item (retained: it starts at or after base) */
    int item;
    int item_mode;     /* the mode the item started in */
    size_t item_start; /* absolute */
    size_t scan;       /* absolute: scanned up to here */
    /* value scanner */
    unsigned depth;
    bool in_str, esc;
    unsigned char stack[NZ_STREAM_MAX_DEPTH / 8]; /* bit set: '[' */
    /* envelope keys at depth 1 of a top-level object */
    bool track;
    int ks;
    size_t key_start; /* absolute */
    bool key_match;
    /* IT_BAD and resync */
    size_t bad_err; /* absolute offset of the error */
    bool rs_nl;     /* resync: just after a newline (and blanks) */
    char reason[360];
    int skip_return; /* mode after M_SKIP */
};

/* framing.c */
void nz_stream_tables_init(void);

/* framing_stream.c */
int nz_stream_line_of(const char *from, const char *at);
void nz_stream_reject(normalize_stream_t *s, size_t offset, const char *reason, const char *raw,
                      size_t rawlen);
void nz_stream_reject_oversized(normalize_stream_t *s, const char *buf);
void nz_stream_json_value(normalize_stream_t *s, const char *buf, size_t st, size_t en,
                          bool element);

#endif
