/*  jq_program.c — one jq program over jansson values (jq_program.h); a
    group's combined compile is jq_group.c. */
#include "jq_program.h"
#include "jq_program_private.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FS_JQ_DRAIN_MAX 1000 /* outputs after the first that fs_jq_first reads and drops */

static void on_error(void *data, jv msg)
{
    struct fs_jq_state *self = data;
    if (jv_get_kind(msg) == JV_KIND_STRING)
        snprintf(self->error, sizeof self->error, "%s", jv_string_value(msg));
    else
        snprintf(self->error, sizeof self->error, "jq error");
    jv_free(msg);
}

/* The byte offset of a string literal that never closes, or -1. libjq 1.6's
   parser leaks the literal it was reading when the program ends inside one
   (found by fuzz_playbook), so such programs are refused before it sees
   them. Follows jq's lexer: comments run from '#' to the end of the line
   outside strings, a backslash escapes the next byte inside one, and "\(...)"
   interpolates code, which may hold strings of its own. */
static long unterminated_string(const char *program)
{
    enum { MAX_NESTING = 64 };
    long opened[MAX_NESTING] = {0}; /* where each string still open began */
    int parens[MAX_NESTING] = {0};  /* open parentheses in each interpolation */
    int depth = 0;                  /* strings open; code is read when depth is 0 or
                                       parens[depth - 1] > 0 */
    for (const char *p = program; *p; p++) {
        bool in_code = depth == 0 || parens[depth - 1] > 0;
        if (in_code) {
            if (*p == '#') {
                while (p[1] && p[1] != '\n')
                    p++;
            } else if (*p == '"') {
                if (depth == MAX_NESTING)
                    return p - program; /* refused as unclosed: deeper than any program needs */
                opened[depth] = p - program;
                parens[depth++] = 0;
            } else if (depth > 0 && *p == '(') {
                parens[depth - 1]++;
            } else if (depth > 0 && *p == ')') {
                parens[depth - 1]--; /* back in the string when it reaches 0 */
            }
        } else if (*p == '"') {
            depth--;
        } else if (*p == '\\' && p[1]) {
            if (*++p == '(')
                parens[depth - 1] = 1;
        }
    }
    return depth > 0 ? opened[depth - 1] : -1;
}

/* jq's `input` and `inputs` read the next input from this callback; without
   one libjq 1.6 calls through a NULL pointer (found by fuzz_jq_convert). A
   program here has exactly one input, so there is never a next one. */
static jv no_more_inputs(jq_state *jq, void *data)
{
    (void)jq;
    (void)data;
    return jv_invalid_with_msg(jv_string("No more inputs"));
}

struct fs_jq_state *fs_jq_state_compile(const char *program, fs_err_t *e)
{
    long open_at = unterminated_string(program);
    if (open_at >= 0) {
        fs_err_setc(e, FS_E_INVALID,
                    "jq program does not compile: the string at byte %ld never closes", open_at);
        return NULL;
    }
    struct fs_jq_state *st = fs_xcalloc(1, sizeof *st);
    st->refs = 1;
    if (!(st->jq = jq_init()))
        fs_oom(sizeof(jq_state *)); /* jq_init fails only when malloc does */
    jq_set_error_cb(st->jq, on_error, st);
    jq_set_input_cb(st->jq, no_more_inputs, NULL);
    /* libjq 1.6 asserts (aborts the process) on `import`/`include` when no
       library path is set; an empty one makes them a compile error. */
    jq_set_attr(st->jq, jv_string("JQ_LIBRARY_PATH"), jv_array());
    if (!jq_compile(st->jq, program)) {
        fs_err_setc(e, FS_E_INVALID, "jq program does not compile: %s",
                    st->error[0] ? st->error : "syntax error");
        fs_jq_state_release(&st);
        return NULL;
    }
    return st;
}

void fs_jq_state_release(struct fs_jq_state **st_p)
{
    if (!st_p || !*st_p)
        return;
    if (--(*st_p)->refs == 0) {
        jq_teardown(&(*st_p)->jq);
        free(*st_p);
    }
    *st_p = NULL;
}

fs_jq_t *fs_jq_compile(const char *program, fs_err_t *e)
{
    struct fs_jq_state *st = fs_jq_state_compile(program, e);
    if (!st)
        return NULL;
    fs_jq_t *self = fs_xcalloc(1, sizeof *self);
    self->state = st;
    self->member = -1;
    return self;
}

void fs_jq_destroy(fs_jq_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    if ((*self_p)->group)
        fs_jq_group_forget((*self_p)->group, *self_p);
    fs_jq_state_release(&(*self_p)->state);
    free(*self_p);
    *self_p = NULL;
}

bool fs_jq_in_group(const fs_jq_t *self)
{
    return self->state && self->member >= 0;
}

/* 0, or -1 with e set when self has no program yet (a member of a group
   not compiled, or whose own compile failed). */
static int compiled(const fs_jq_t *self, fs_err_t *e)
{
    return self->state ? 0 : fs_err_setc(e, FS_E_INVALID, "jq: program not compiled");
}

/* The program's input (consumed) as the state's program takes it: a
   member of a combined program takes [its number, input] (jq_group.c);
   jv_array holds the input by reference, no copy. */
static jv selected(const fs_jq_t *self, jv in)
{
    if (self->member < 0)
        return in;
    return jv_array_append(jv_array_append(jv_array_sized(2), jv_number(self->member)), in);
}

/* Values cross between jansson and jv directly, node by node, and give
   exactly what the JSON text round trip (json_dumps + jv_parse, jv_dump_string
   + json_loads) gave: that text path stays for what the walk leaves to it
   (deeper than FS_JQ_DIRECT_DEPTH, invalid UTF-8, integral numbers from
   1e16 up) and for tests (fs_jq_use_text_path). */
#define FS_JQ_DIRECT_DEPTH 128 /* below libjq's parser limit (256) and jansson's (2048) */

static bool utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s;
    while (n > 0) {
        size_t len = fs_utf8_seq(p, n);
        if (len == 0)
            return false;
        p += len;
        n -= len;
    }
    return true;
}

/* ---- pinned values (fs_jq_pin_new) ----------------------------------------
   The pins of this thread, newest first. A pin holds a reference to its
   node, so the address cannot be reused by another value while it is
   pinned; its caller promises the node does not change (jq_program.h). */
struct fs_jq_pin {
    json_t *node;      /* a reference held */
    int depth;         /* the depth it was converted at; -1: not yet */
    int height;        /* how many levels below node the walk went */
    bool ok;           /* the walk converted it (else: the text path) */
    jv value;          /* when ok */
    fs_jq_pin_t *next; /* the pin made before this one */
};

static _Thread_local fs_jq_pin_t *pins;
/* The deepest level the walks of this thread reached: a pin's height. */
static _Thread_local int walk_deepest;

static bool jv_from_json(const json_t *input, int depth, jv *out);
static bool jv_from_json_walk(const json_t *input, int depth, jv *out);

static void reached(int depth)
{
    if (depth > walk_deepest)
        walk_deepest = depth;
}

/* Converts p's node, met at depth, into p. */
static bool convert_pin(fs_jq_pin_t *p, int depth, jv *out)
{
    int outer = walk_deepest;
    walk_deepest = depth;
    p->ok = jv_from_json_walk(p->node, depth, &p->value);
    p->depth = depth;
    p->height = walk_deepest - depth;
    reached(outer);
    if (p->ok)
        *out = jv_copy(p->value);
    return p->ok;
}

/* input as a jv in *out; false when the walk leaves it to the text path
   (nothing allocated then). A pinned object or array is converted once,
   where it is first met, and shared wherever else it is met, at any depth
   its deepest level stays within FS_JQ_DIRECT_DEPTH: only the depth limit
   makes the walk depend on where it starts, so there the walk would give
   that same value (an event read by the trigger filters, then one level
   down in a run's context). Elsewhere it is walked again. */
static bool jv_from_json(const json_t *input, int depth, jv *out)
{
    if (pins && (json_is_object(input) || json_is_array(input))) {
        fs_jq_pin_t *unconverted = NULL;
        for (fs_jq_pin_t *p = pins; p; p = p->next) {
            if (p->node != input)
                continue;
            if (p->depth < 0) {
                unconverted = unconverted ? unconverted : p;
            } else if (p->ok && depth + p->height <= FS_JQ_DIRECT_DEPTH) {
                reached(depth + p->height);
                *out = jv_copy(p->value);
                return true;
            } else if (!p->ok && p->depth == depth) {
                return false;
            }
        }
        if (unconverted)
            return convert_pin(unconverted, depth, out);
    }
    return jv_from_json_walk(input, depth, out);
}

static bool jv_from_json_walk(const json_t *input, int depth, jv *out)
{
    if (depth > FS_JQ_DIRECT_DEPTH)
        return false;
    reached(depth);
    switch (json_typeof(input)) {
    case JSON_OBJECT: {
        jv obj = jv_object();
        const char *key;
        json_t *value;
        void *it;
        for (it = json_object_iter((json_t *)input); it;
             it = json_object_iter_next((json_t *)input, it)) {
            key = json_object_iter_key(it);
            size_t key_len = json_object_iter_key_len(it);
            value = json_object_iter_value(it);
            jv v;
            if (!utf8_valid(key, key_len) || !jv_from_json(value, depth + 1, &v)) {
                jv_free(obj);
                return false;
            }
            obj = jv_object_set(obj, jv_string_sized(key, (int)key_len), v);
        }
        *out = obj;
        return true;
    }
    case JSON_ARRAY: {
        jv arr = jv_array_sized((int)json_array_size(input));
        for (size_t i = 0; i < json_array_size(input); i++) {
            jv v;
            if (!jv_from_json(json_array_get(input, i), depth + 1, &v)) {
                jv_free(arr);
                return false;
            }
            arr = jv_array_append(arr, v);
        }
        *out = arr;
        return true;
    }
    case JSON_STRING: {
        const char *s = json_string_value(input);
        size_t n = json_string_length(input);
        if (n > INT32_MAX || !utf8_valid(s, n))
            return false;
        *out = jv_string_sized(s, (int)n);
        return true;
    }
    case JSON_INTEGER: /* libjq 1.6 holds numbers as double, as its parser rounded them */
        *out = jv_number((double)json_integer_value(input));
        return true;
    case JSON_REAL: /* jansson printed %.17g: the text gave back this very double */
        *out = jv_number(json_real_value(input));
        return true;
    case JSON_TRUE:
        *out = jv_true();
        return true;
    case JSON_FALSE:
        *out = jv_false();
        return true;
    case JSON_NULL:
        *out = jv_null();
        return true;
    }
    return false;
}

/* The text path: input as JSON text parsed by libjq. */
static int jv_from_text(const json_t *input, jv *out, fs_err_t *e)
{
    char *text = json_dumps(input, JSON_COMPACT | JSON_ENCODE_ANY);
    if (!text)
        return fs_err_setc(e, FS_E_INVALID, "jq: cannot serialise input");
    jv in = jv_parse(text);
    free(text);
    if (!jv_is_valid(in)) {
        jv_free(in);
        return fs_err_setc(e, FS_E_INVALID, "jq: input not accepted");
    }
    *out = in;
    return 0;
}

/* Starts the program on input. 0, or -1 with e set. */
static int start(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    jv in;
    if (compiled(self, e) != 0)
        return -1;
    if ((self->text_path || !jv_from_json(input, 0, &in)) && jv_from_text(input, &in, e) != 0)
        return -1;
    self->state->error[0] = '\0';
    jq_start(self->state->jq, selected(self, in), 0);
    return 0;
}

/* The text path: a jv (consumed) as JSON text parsed by jansson. */
static json_t *json_from_text(jv v)
{
    jv dumped = jv_dump_string(v, 0);
    json_t *out = json_loads(jv_string_value(dumped), JSON_DECODE_ANY, NULL);
    jv_free(dumped);
    return out;
}

/* A jv number as the text path gave it: NaN printed as null, infinities as
   +-DBL_MAX; integral values printed without a fraction became jansson
   integers (-0 became 0), the others reals. libjq prints integral values
   below 1e16 in full; from 1e16 up it may print an exponent (a real) or
   round to its shortest digits and pad zeros (a different integer, or one
   too big for jansson: not representable), so those take the text path. */
static json_t *json_from_number(double d, bool *not_representable)
{
    if (isnan(d))
        return json_null();
    if (d == trunc(d) && fabs(d) < 1e16)
        return json_integer((json_int_t)d);
    if (d != trunc(d))
        return json_real(d);
    json_t *out = json_from_text(jv_number(d));
    if (!out)
        *not_representable = true;
    return out;
}

/* A jv (borrowed) as jansson; NULL with *fallback set when the walk leaves it
   to the text path, or with *not_representable when JSON cannot hold it (a
   string or key holding NUL: jansson refuses "\u0000" without
   JSON_ALLOW_NUL, or a number jansson cannot hold). */
static json_t *json_from_jv(jv v, int depth, bool *fallback, bool *not_representable)
{
    if (depth > FS_JQ_DIRECT_DEPTH) {
        *fallback = true;
        return NULL;
    }
    switch (jv_get_kind(v)) {
    case JV_KIND_OBJECT: {
        json_t *obj = json_object();
        for (int it = jv_object_iter(v); jv_object_iter_valid(v, it);
             it = jv_object_iter_next(v, it)) {
            jv key = jv_object_iter_key(v, it);
            jv value = jv_object_iter_value(v, it);
            const char *k = jv_string_value(key);
            size_t n = (size_t)jv_string_length_bytes(jv_copy(key));
            json_t *jvalue = NULL;
            if (memchr(k, '\0', n))
                *not_representable = true;
            else if (!utf8_valid(k, n))
                *fallback = true;
            else
                jvalue = json_from_jv(value, depth + 1, fallback, not_representable);
            if (jvalue)
                json_object_setn_new_nocheck(obj, k, n, jvalue);
            jv_free(key);
            jv_free(value);
            if (!jvalue) {
                json_decref(obj);
                return NULL;
            }
        }
        return obj;
    }
    case JV_KIND_ARRAY: {
        json_t *arr = json_array();
        int n = jv_array_length(jv_copy(v));
        for (int i = 0; i < n; i++) {
            jv item = jv_array_get(jv_copy(v), i);
            json_t *jitem = json_from_jv(item, depth + 1, fallback, not_representable);
            jv_free(item);
            if (!jitem) {
                json_decref(arr);
                return NULL;
            }
            json_array_append_new(arr, jitem);
        }
        return arr;
    }
    case JV_KIND_STRING: {
        const char *s = jv_string_value(v);
        size_t n = (size_t)jv_string_length_bytes(jv_copy(v));
        if (memchr(s, '\0', n)) {
            *not_representable = true;
            return NULL;
        }
        if (!utf8_valid(s, n)) {
            *fallback = true;
            return NULL;
        }
        return json_stringn_nocheck(s, n);
    }
    case JV_KIND_NUMBER:
        return json_from_number(jv_number_value(v), not_representable);
    case JV_KIND_TRUE:
        return json_true();
    case JV_KIND_FALSE:
        return json_false();
    case JV_KIND_NULL:
        return json_null();
    default:
        *fallback = true;
        return NULL;
    }
}

/* A jv output as a jansson value (consumes v); NULL when JSON cannot hold it. */
static json_t *to_json(const fs_jq_t *self, jv v)
{
    if (self->text_path)
        return json_from_text(v);
    bool fallback = false, not_representable = false;
    json_t *out = json_from_jv(v, 0, &fallback, &not_representable);
    if (out || not_representable) {
        jv_free(v);
        return out;
    }
    return json_from_text(v);
}

/* The message of an invalid jv that ends a run (consumes r): 1 and e set
   when the program failed, 0 when it simply had no more output. */
static int failed(jv r, const char *non_string, fs_err_t *e)
{
    if (!jv_invalid_has_msg(jv_copy(r))) {
        jv_free(r);
        return 0;
    }
    jv msg = jv_invalid_get_msg(r);
    fs_err_set(e, "jq: %s", jv_get_kind(msg) == JV_KIND_STRING ? jv_string_value(msg) : non_string);
    jv_free(msg);
    return 1;
}

json_t *fs_jq_first(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    if (start(self, input, e) != 0)
        return NULL;
    jv out = jq_next(self->state->jq);
    if (!jv_is_valid(out)) {
        if (!failed(out, "error", e))
            fs_err_set(e, "jq: no output");
        return NULL;
    }
    json_t *res = to_json(self, out);
    if (!res)
        fs_err_set(e, "jq: output not representable");
    /* drain the other outputs so the state is ready for the next input */
    for (int guard = 0; guard < FS_JQ_DRAIN_MAX; guard++) {
        jv more = jq_next(self->state->jq);
        bool valid = jv_is_valid(more);
        jv_free(more);
        if (!valid)
            break;
    }
    return res;
}

/* Every output of the program on in (consumed), as fs_jq_all. */
static json_t *all_outputs(fs_jq_t *self, jv in, fs_err_t *e)
{
    self->state->error[0] = '\0';
    jq_start(self->state->jq, selected(self, in), 0);
    json_t *out = json_array();
    jv r;
    while (jv_is_valid(r = jq_next(self->state->jq))) {
        json_t *v = to_json(self, r);
        if (v)
            json_array_append_new(out, v);
    }
    if (failed(r, "runtime error", e)) {
        json_decref(out);
        return NULL;
    }
    return out;
}

/* The input as fs_jq_all converts it: an input jansson cannot serialise
   runs the program on null (as the playbook engine always did). */
static jv all_input(const fs_jq_t *self, const json_t *input)
{
    jv in;
    if ((self->text_path || !jv_from_json(input, 0, &in)) && jv_from_text(input, &in, NULL) != 0)
        in = jv_null();
    return in;
}

json_t *fs_jq_all(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    if (compiled(self, e) != 0)
        return NULL;
    return all_outputs(self, all_input(self, input), e);
}

struct fs_jq_input {
    const json_t *json; /* borrowed */
    jv value;           /* converted on first use */
    bool converted;
};

fs_jq_input_t *fs_jq_input_new(const json_t *input)
{
    fs_jq_input_t *in = fs_xcalloc(1, sizeof *in);
    in->json = input;
    return in;
}

void fs_jq_input_destroy(fs_jq_input_t **in_p)
{
    if (!in_p || !*in_p)
        return;
    if ((*in_p)->converted)
        jv_free((*in_p)->value);
    free(*in_p);
    *in_p = NULL;
}

json_t *fs_jq_all_input(fs_jq_t *self, fs_jq_input_t *in, fs_err_t *e)
{
    if (self->text_path || compiled(self, e) != 0)
        return fs_jq_all(self, in->json, e);
    if (!in->converted) {
        in->value = all_input(self, in->json);
        in->converted = true;
    }
    return all_outputs(self, jv_copy(in->value), e);
}

bool fs_jq_test(fs_jq_t *self, const json_t *input, fs_err_t *e)
{
    json_t *all = fs_jq_all(self, input, e);
    json_t *first = all ? json_array_get(all, 0) : NULL;
    bool truthy = first && !json_is_false(first) && !json_is_null(first);
    json_decref(all);
    return truthy;
}

fs_jq_pin_t *fs_jq_pin_new(const json_t *node)
{
    fs_jq_pin_t *p = fs_xcalloc(1, sizeof *p);
    p->node = json_incref((json_t *)node);
    p->depth = -1;
    p->next = pins;
    pins = p;
    return p;
}

void fs_jq_pin_destroy(fs_jq_pin_t **pin_p)
{
    if (!pin_p || !*pin_p)
        return;
    fs_jq_pin_t *p = *pin_p;
    for (fs_jq_pin_t **at = &pins; *at; at = &(*at)->next) {
        if (*at == p) {
            *at = p->next;
            break;
        }
    }
    if (p->depth >= 0 && p->ok)
        jv_free(p->value);
    json_decref(p->node);
    free(p);
    *pin_p = NULL;
}

void fs_jq_use_text_path(fs_jq_t *self, bool on)
{
    self->text_path = on;
}
