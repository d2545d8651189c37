/*
 * openapi_t.h — the compiled OpenAPI spec's layout, shared by the
 * openapi_*.c files. Everything lives in one arena owned by rp_openapi_t;
 * compiled patterns are listed for pcre2_code_free; the parsed document
 * stays alive because enum values point into it.
 */
#ifndef RAMPART_OPENAPI_T_H
#define RAMPART_OPENAPI_T_H

#define PCRE2_CODE_UNIT_WIDTH 8
#include <jansson.h>
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>

#include "arena.h"
#include "rampart/openapi.h"

/* JSON types a schema accepts (bit set; 0 = any). */
enum {
    API_T_NULL = 1u << 0,
    API_T_BOOL = 1u << 1,
    API_T_INT = 1u << 2,
    API_T_NUM = 1u << 3,
    API_T_STR = 1u << 4,
    API_T_ARR = 1u << 5,
    API_T_OBJ = 1u << 6
};

typedef enum {
    API_FMT_NONE = 0,
    API_FMT_DATE,
    API_FMT_DATE_TIME,
    API_FMT_EMAIL,
    API_FMT_UUID,
    API_FMT_IPV4,
    API_FMT_IPV6,
    API_FMT_INT32,
    API_FMT_INT64
} api_format_t;

typedef struct api_schema api_schema_t;

typedef struct {
    const char *name;
    api_schema_t *schema;
} api_prop_t;

struct api_schema {
    unsigned types;
    api_format_t format;
    bool has_min, has_max, excl_min, excl_max;
    double min, max;
    long long min_len, max_len; /* -1: none; in code points */
    long long min_items, max_items;
    pcre2_code *pattern;
    const char *pattern_src;
    json_t *const *enum_values; /* into the document */
    size_t nenum;
    api_prop_t *props;
    size_t nprops;
    const char **required;
    size_t nrequired;
    bool addl_forbidden;
    api_schema_t *addl; /* schema of other properties, or NULL */
    api_schema_t *items;
    api_schema_t **all_of, **any_of, **one_of;
    size_t nall_of, nany_of, none_of;
    api_schema_t *not_schema;
    unsigned long cost; /* nodes a check may visit, saturated */
    bool compiling;     /* on the $ref resolution stack: a cycle */
};

typedef enum { API_IN_PATH = 0, API_IN_QUERY, API_IN_HEADER, API_IN_COOKIE } api_in_t;

typedef struct {
    const char *name;
    size_t name_len;
    api_in_t in;
    bool required;
    bool explode;
    api_schema_t *schema; /* NULL: any value */
} api_param_t;

typedef struct {
    const char *type; /* lower-case media type or range, e.g. application/json, image/star */
    api_schema_t *schema;
    bool json;
} api_media_t;

struct rp_api_op {
    const char *method;
    const char *path_template;
    api_param_t *params;
    size_t nparams;
    bool has_body_spec;
    bool body_required;
    api_media_t *media;
    size_t nmedia;
    size_t max_body;
    bool blocks;
    const struct rp_openapi *api;
};

/* Path item: its template's parameter names per segment and its operations. */
typedef struct {
    const char *template_text;
    const char **seg_param; /* per segment: the parameter name, or NULL */
    size_t nsegs;
    rp_api_op_t *ops[8]; /* indexed by api_method_index */
} api_path_t;

/* One segment of the matcher: a literal, or prefix{param}suffix. */
typedef struct api_seg api_seg_t;
struct api_seg {
    bool is_param;
    const char *text; /* literal, or the prefix */
    size_t text_len;
    const char *suffix;
    size_t suffix_len;
    api_seg_t *children; /* linked by next */
    api_seg_t *next;
    api_path_t *path; /* a template ends here */
};

typedef struct {
    pcre2_code **codes;
    size_t n, cap;
} api_patterns_t;

struct rp_openapi {
    rp_arena_t *arena;
    json_t *doc;
    api_patterns_t patterns;
    api_seg_t root;
    const char *base_path; /* servers[0] path prefix, "" when none */
    size_t base_path_len;
    size_t nops;
    size_t nschemas;
    bool block_default;
    pcre2_match_context *mctx;
};

/* Building: where in the document, and the first error. */
typedef struct {
    rp_openapi_t *api;
    rp_error_t *err;
    const char *file;
    char ptr[1024];
    size_t ptr_len;
    bool failed;
    /* $ref targets already compiled, so shared schemas compile once */
    struct {
        json_t *target;
        api_schema_t *schema;
    } * refs;
    size_t nrefs, refs_cap;
} api_build_t;

/* openapi_doc.c: text (JSON, else YAML) to a jansson tree. */
json_t *api_doc_parse(const char *text, size_t len, const char *name, rp_error_t *err);

/* openapi_load.c: JSON pointer bookkeeping and errors while building. */
size_t api_ptr_push(api_build_t *b, const char *token);
void api_ptr_pushi(api_build_t *b, size_t index, size_t *saved);
void api_ptr_pop(api_build_t *b, size_t saved);
void api_fail(api_build_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Follow a local "$ref" to its node; NULL (and an error) when it is not
 * local or does not resolve. */
json_t *api_resolve_ref(api_build_t *b, const char *ref);

/* openapi_schema.c */
api_schema_t *api_schema_compile(api_build_t *b, json_t *node, int depth);
typedef struct {
    rp_api_report_fn fn;
    void *ctx;
    bool blocks;
    const char *prefix; /* "json:", "query:page" */
    char ptr[1024];
    size_t ptr_len;
    unsigned long budget;
    int violations;
    int quiet; /* >0 inside anyOf/oneOf/not trials: count, do not report */
    pcre2_match_context *mctx;
} api_check_t;
bool api_schema_check(api_check_t *c, const api_schema_t *s, json_t *v, int depth);

/* openapi_format.c: true when s (len bytes) is a valid instance. */
bool api_format_ok(api_format_t f, const char *s, size_t len);
api_format_t api_format_named(const char *name);

/* openapi_match.c */
int api_match_add(api_build_t *b, const char *template_text, api_path_t **out);
const api_path_t *api_match(const rp_openapi_t *api, const char *path, size_t len,
                            const char **seg_start, size_t *seg_len, size_t max_segs);
int api_method_index(const char *method);
extern const char *const api_method_names[8];

#endif
