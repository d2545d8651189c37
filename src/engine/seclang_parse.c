/*
 * seclang_parse.c — SecLang directives into the ordered item list of
 * seclang.h, with every name checked.
 *
 * The lexer (seclang_lexer.c) hands over one directive at a time as words;
 * this file gives them meaning: SecRule's variable list, operator and
 * action list, SecAction, SecMarker, Include, and the configuration
 * directives kept as words for the compile step. Semantics follow the
 * ModSecurity v3 reference manual.
 *
 * Why validate here rather than at compile time: a rule file that loads in
 * ModSecurity but uses something Rampart does not run must fail with the
 * file and line of the exact word, and only the parser still knows lines.
 * Checks that need the whole configuration (duplicate ids, skipAfter
 * targets) keep locations in small hash tables and report both places.
 *
 * Memory: the configuration lives in one arena (capped, so hostile input
 * fails cleanly); each file gets a scratch arena for the lexer's words,
 * reset after every directive, so parsing CRS keeps only what it returns.
 * A file's bytes are read whole with malloc and freed once parsed.
 */
#include "seclang.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <limits.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "operator.h"
#include "seclang_lexer.h"
#include "transform.h"

#define SL_MAX_WORDS     256          /* words of one directive */
#define SL_MAX_DEPTH     16           /* Include nesting */
#define SL_ARENA_CAP     (256u << 20) /* a parsed configuration, all files */
#define SL_FILE_MAX      (64u << 20)  /* one configuration file */
#define SL_SCRATCH_BLOCK (64u << 10)

/* ---------------------------------------------------------------- tables */

/* Variables (collections) of ModSecurity v3, upper case. */
static const char *const collections[] = {"ARGS",
                                          "ARGS_COMBINED_SIZE",
                                          "ARGS_GET",
                                          "ARGS_GET_NAMES",
                                          "ARGS_NAMES",
                                          "ARGS_POST",
                                          "ARGS_POST_NAMES",
                                          "AUTH_TYPE",
                                          "DURATION",
                                          "ENV",
                                          "FILES",
                                          "FILES_COMBINED_SIZE",
                                          "FILES_NAMES",
                                          "FILES_SIZES",
                                          "FILES_TMPNAMES",
                                          "FILES_TMP_CONTENT",
                                          "FULL_REQUEST",
                                          "FULL_REQUEST_LENGTH",
                                          "GEO",
                                          "GLOBAL",
                                          "HIGHEST_SEVERITY",
                                          "INBOUND_DATA_ERROR",
                                          "IP",
                                          "MATCHED_VAR",
                                          "MATCHED_VARS",
                                          "MATCHED_VARS_NAMES",
                                          "MATCHED_VAR_NAME",
                                          "MODSEC_BUILD",
                                          "MSC_PCRE_LIMITS_EXCEEDED",
                                          "MULTIPART_BOUNDARY_QUOTED",
                                          "MULTIPART_BOUNDARY_WHITESPACE",
                                          "MULTIPART_CRLF_LF_LINES",
                                          "MULTIPART_DATA_AFTER",
                                          "MULTIPART_DATA_BEFORE",
                                          "MULTIPART_FILENAME",
                                          "MULTIPART_FILE_LIMIT_EXCEEDED",
                                          "MULTIPART_HEADER_FOLDING",
                                          "MULTIPART_INVALID_HEADER_FOLDING",
                                          "MULTIPART_INVALID_PART",
                                          "MULTIPART_INVALID_QUOTING",
                                          "MULTIPART_LF_LINE",
                                          "MULTIPART_MISSING_SEMICOLON",
                                          "MULTIPART_NAME",
                                          "MULTIPART_PART_HEADERS",
                                          "MULTIPART_SEMICOLON_MISSING",
                                          "MULTIPART_STRICT_ERROR",
                                          "MULTIPART_UNMATCHED_BOUNDARY",
                                          "OUTBOUND_DATA_ERROR",
                                          "PATH_INFO",
                                          "QUERY_STRING",
                                          "REMOTE_ADDR",
                                          "REMOTE_HOST",
                                          "REMOTE_PORT",
                                          "REMOTE_USER",
                                          "REQBODY_ERROR",
                                          "REQBODY_ERROR_MSG",
                                          "REQBODY_PROCESSOR",
                                          "REQBODY_PROCESSOR_ERROR",
                                          "REQBODY_PROCESSOR_ERROR_MSG",
                                          "REQUEST_BASENAME",
                                          "REQUEST_BODY",
                                          "REQUEST_BODY_LENGTH",
                                          "REQUEST_COOKIES",
                                          "REQUEST_COOKIES_NAMES",
                                          "REQUEST_FILENAME",
                                          "REQUEST_HEADERS",
                                          "REQUEST_HEADERS_NAMES",
                                          "REQUEST_LINE",
                                          "REQUEST_METHOD",
                                          "REQUEST_PROTOCOL",
                                          "REQUEST_URI",
                                          "REQUEST_URI_RAW",
                                          "RESOURCE",
                                          "RESPONSE_BODY",
                                          "RESPONSE_CONTENT_LENGTH",
                                          "RESPONSE_CONTENT_TYPE",
                                          "RESPONSE_HEADERS",
                                          "RESPONSE_HEADERS_NAMES",
                                          "RESPONSE_PROTOCOL",
                                          "RESPONSE_STATUS",
                                          "RULE",
                                          "SERVER_ADDR",
                                          "SERVER_NAME",
                                          "SERVER_PORT",
                                          "SESSION",
                                          "SESSIONID",
                                          "STATUS_LINE",
                                          "TIME",
                                          "TIME_DAY",
                                          "TIME_EPOCH",
                                          "TIME_HOUR",
                                          "TIME_MIN",
                                          "TIME_MON",
                                          "TIME_SEC",
                                          "TIME_WDAY",
                                          "TIME_YEAR",
                                          "TX",
                                          "UNIQUE_ID",
                                          "URLENCODED_ERROR",
                                          "USER",
                                          "USERID",
                                          "WEBAPPID",
                                          "WEBSERVER_ERROR_LOG",
                                          "XML"};

typedef enum { V_NONE, V_REQ, V_OPT } valreq_t;

typedef enum {
    AC_PLAIN,
    AC_ID,
    AC_PHASE,
    AC_SEVERITY,
    AC_T,
    AC_CTL,
    AC_CHAIN,
    AC_SKIP,
    AC_SKIPAFTER,
    AC_STATUS,
    AC_NUMBER /* maturity, accuracy: 0..9 */
} acheck_t;

typedef struct {
    const char *name;
    valreq_t value;
    acheck_t check;
} action_def_t;

/* Actions of ModSecurity v3 (reference manual, "Actions"). */
static const action_def_t action_defs[] = {
    {"accuracy", V_REQ, AC_NUMBER},
    {"allow", V_OPT, AC_PLAIN},
    {"append", V_REQ, AC_PLAIN},
    {"auditlog", V_NONE, AC_PLAIN},
    {"block", V_NONE, AC_PLAIN},
    {"capture", V_NONE, AC_PLAIN},
    {"chain", V_NONE, AC_CHAIN},
    {"ctl", V_REQ, AC_CTL},
    {"deny", V_NONE, AC_PLAIN},
    {"deprecatevar", V_REQ, AC_PLAIN},
    {"drop", V_NONE, AC_PLAIN},
    {"exec", V_REQ, AC_PLAIN},
    {"expirevar", V_REQ, AC_PLAIN},
    {"id", V_REQ, AC_ID},
    {"initcol", V_REQ, AC_PLAIN},
    {"log", V_NONE, AC_PLAIN},
    {"logdata", V_REQ, AC_PLAIN},
    {"maturity", V_REQ, AC_NUMBER},
    {"msg", V_REQ, AC_PLAIN},
    {"multiMatch", V_NONE, AC_PLAIN},
    {"noauditlog", V_NONE, AC_PLAIN},
    {"nolog", V_NONE, AC_PLAIN},
    {"pass", V_NONE, AC_PLAIN},
    {"pause", V_REQ, AC_PLAIN},
    {"phase", V_REQ, AC_PHASE},
    {"prepend", V_REQ, AC_PLAIN},
    {"proxy", V_REQ, AC_PLAIN},
    {"redirect", V_REQ, AC_PLAIN},
    {"rev", V_REQ, AC_PLAIN},
    {"sanitiseArg", V_REQ, AC_PLAIN},
    {"sanitiseMatched", V_NONE, AC_PLAIN},
    {"sanitiseMatchedBytes", V_OPT, AC_PLAIN},
    {"sanitiseRequestHeader", V_REQ, AC_PLAIN},
    {"sanitiseResponseHeader", V_REQ, AC_PLAIN},
    {"setenv", V_REQ, AC_PLAIN},
    {"setrsc", V_REQ, AC_PLAIN},
    {"setsid", V_REQ, AC_PLAIN},
    {"setuid", V_REQ, AC_PLAIN},
    {"setvar", V_REQ, AC_PLAIN},
    {"severity", V_REQ, AC_SEVERITY},
    {"skip", V_REQ, AC_SKIP},
    {"skipAfter", V_REQ, AC_SKIPAFTER},
    {"status", V_REQ, AC_STATUS},
    {"t", V_REQ, AC_T},
    {"tag", V_REQ, AC_PLAIN},
    {"ver", V_REQ, AC_PLAIN},
    {"xmlns", V_REQ, AC_PLAIN},
};

/* ctl: options of ModSecurity v3, with the values checked where the set is
 * closed. */
static const char *const v_onoff[] = {"On", "Off", NULL};
static const char *const v_engine[] = {"On", "Off", "DetectionOnly", NULL};
static const char *const v_bodyproc[] = {"URLENCODED", "MULTIPART", "XML", "JSON", NULL};
static const char *const v_audit[] = {"On", "Off", "RelevantOnly", NULL};
static const char *const v_limitaction[] = {"Reject", "ProcessPartial", NULL};
static const char *const v_auditlogtype[] = {"Serial", "Concurrent", "HTTPS", NULL};
static const char *const v_auditformat[] = {"JSON", "Native", NULL};

typedef enum { CT_ANY, CT_ENUM, CT_IDS, CT_TARGET, CT_UINT } ctlcheck_t;

typedef struct {
    const char *name;
    ctlcheck_t check;
    const char *const *values;
} ctl_def_t;

static const ctl_def_t ctl_defs[] = {
    {"auditEngine", CT_ENUM, v_audit},          {"auditLogParts", CT_ANY, NULL},
    {"debugLogLevel", CT_UINT, NULL},           {"forceRequestBodyVariable", CT_ENUM, v_onoff},
    {"hashEnforcement", CT_ENUM, v_onoff},      {"hashEngine", CT_ENUM, v_onoff},
    {"parseXmlIntoArgs", CT_ENUM, v_engine},    {"requestBodyAccess", CT_ENUM, v_onoff},
    {"requestBodyLimit", CT_UINT, NULL},        {"requestBodyProcessor", CT_ENUM, v_bodyproc},
    {"responseBodyAccess", CT_ENUM, v_onoff},   {"responseBodyLimit", CT_UINT, NULL},
    {"ruleEngine", CT_ENUM, v_engine},          {"ruleRemoveById", CT_IDS, NULL},
    {"ruleRemoveByMsg", CT_ANY, NULL},          {"ruleRemoveByTag", CT_ANY, NULL},
    {"ruleRemoveTargetById", CT_TARGET, NULL},  {"ruleRemoveTargetByMsg", CT_TARGET, NULL},
    {"ruleRemoveTargetByTag", CT_TARGET, NULL},
};

typedef enum {
    D_RULE,
    D_ACTION,
    D_MARKER,
    D_INCLUDE,
    D_INCLUDE_OPTIONAL,
    D_PLAIN,          /* arguments kept, counts checked */
    D_ENUM,           /* one argument from values */
    D_UINT,           /* every argument an unsigned integer */
    D_DEFAULT,        /* SecDefaultAction ACTIONS */
    D_REMOVE_IDS,     /* SecRuleRemoveById ID|RANGE... */
    D_UPDATE_TGT_ID,  /* SecRuleUpdateTargetById ID TARGETS [REPLACED] */
    D_UPDATE_TGT_TAG, /* SecRuleUpdateTargetByTag TAG TARGETS [REPLACED] */
    D_UPDATE_ACTION,  /* SecRuleUpdateActionById ID ACTIONS */
    D_CHAR,           /* one single-byte argument */
    D_UNICODE         /* FILE [CODEPAGE] */
} dkind_t;

typedef struct {
    const char *name;
    dkind_t kind;
    unsigned char min, max; /* argument counts, without the directive name */
    const char *const *values;
} directive_def_t;

#define MANY 255

/* Directives Rampart accepts. The audit and debug log directives are kept
 * for the compile step but configure logs Rampart does not write (events
 * go through Rampart's own sink): accepting them lets stock configuration
 * files load unmodified. */
static const directive_def_t directive_defs[] = {
    {"SecRule", D_RULE, 2, 3, NULL},
    {"SecAction", D_ACTION, 1, 1, NULL},
    {"SecMarker", D_MARKER, 1, 1, NULL},
    {"Include", D_INCLUDE, 1, 1, NULL},
    {"IncludeOptional", D_INCLUDE_OPTIONAL, 1, 1, NULL},
    {"SecDefaultAction", D_DEFAULT, 1, 1, NULL},
    {"SecRuleEngine", D_ENUM, 1, 1, v_engine},
    {"SecRequestBodyAccess", D_ENUM, 1, 1, v_onoff},
    {"SecResponseBodyAccess", D_ENUM, 1, 1, v_onoff},
    {"SecResponseBodyMimeType", D_PLAIN, 1, MANY, NULL},
    {"SecResponseBodyMimeTypesClear", D_PLAIN, 0, 0, NULL},
    {"SecRequestBodyLimit", D_UINT, 1, 1, NULL},
    {"SecRequestBodyNoFilesLimit", D_UINT, 1, 1, NULL},
    {"SecRequestBodyInMemoryLimit", D_UINT, 1, 1, NULL},
    {"SecRequestBodyLimitAction", D_ENUM, 1, 1, v_limitaction},
    {"SecRequestBodyJsonDepthLimit", D_UINT, 1, 1, NULL},
    {"SecResponseBodyLimit", D_UINT, 1, 1, NULL},
    {"SecResponseBodyLimitAction", D_ENUM, 1, 1, v_limitaction},
    {"SecArgumentsLimit", D_UINT, 1, 1, NULL},
    {"SecRuleRemoveById", D_REMOVE_IDS, 1, MANY, NULL},
    {"SecRuleRemoveByTag", D_PLAIN, 1, 1, NULL},
    {"SecRuleRemoveByMsg", D_PLAIN, 1, 1, NULL},
    {"SecRuleUpdateTargetById", D_UPDATE_TGT_ID, 2, 3, NULL},
    {"SecRuleUpdateTargetByTag", D_UPDATE_TGT_TAG, 2, 3, NULL},
    {"SecRuleUpdateTargetByMsg", D_UPDATE_TGT_TAG, 2, 3, NULL},
    {"SecRuleUpdateActionById", D_UPDATE_ACTION, 2, 2, NULL},
    {"SecComponentSignature", D_PLAIN, 1, 1, NULL},
    {"SecCollectionTimeout", D_UINT, 1, 1, NULL},
    {"SecArgumentSeparator", D_CHAR, 1, 1, NULL},
    {"SecCookieFormat", D_UINT, 1, 1, NULL},
    {"SecUnicodeMapFile", D_UNICODE, 1, 2, NULL},
    {"SecTmpDir", D_PLAIN, 1, 1, NULL},
    {"SecDataDir", D_PLAIN, 1, 1, NULL},
    {"SecUploadDir", D_PLAIN, 1, 1, NULL},
    {"SecUploadFileLimit", D_UINT, 1, 1, NULL},
    {"SecUploadFileMode", D_PLAIN, 1, 1, NULL},
    {"SecUploadKeepFiles", D_ENUM, 1, 1, v_audit},
    {"SecTmpSaveUploadedFiles", D_ENUM, 1, 1, v_onoff},
    {"SecPcreMatchLimit", D_UINT, 1, 1, NULL},
    {"SecPcreMatchLimitRecursion", D_UINT, 1, 1, NULL},
    {"SecStatusEngine", D_ENUM, 1, 1, v_onoff},
    {"SecXmlExternalEntity", D_ENUM, 1, 1, v_onoff},
    {"SecWebAppId", D_PLAIN, 1, 1, NULL},
    {"SecGeoLookupDb", D_PLAIN, 1, 1, NULL},
    {"SecHttpBlKey", D_PLAIN, 1, 1, NULL},
    {"SecAuditEngine", D_ENUM, 1, 1, v_audit},
    {"SecAuditLog", D_PLAIN, 1, 1, NULL},
    {"SecAuditLog2", D_PLAIN, 1, 1, NULL},
    {"SecAuditLogParts", D_PLAIN, 1, 1, NULL},
    {"SecAuditLogRelevantStatus", D_PLAIN, 1, 1, NULL},
    {"SecAuditLogType", D_ENUM, 1, 1, v_auditlogtype},
    {"SecAuditLogFormat", D_ENUM, 1, 1, v_auditformat},
    {"SecAuditLogStorageDir", D_PLAIN, 1, 1, NULL},
    {"SecAuditLogDirMode", D_PLAIN, 1, 1, NULL},
    {"SecAuditLogFileMode", D_PLAIN, 1, 1, NULL},
    {"SecDebugLog", D_PLAIN, 1, 1, NULL},
    {"SecDebugLogLevel", D_UINT, 1, 1, NULL},
};

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---------------------------------------------------------------- state */

typedef struct {
    unsigned long long id;
    const char *file;
    unsigned line;
} id_slot_t;

typedef struct skip_ref {
    const char *target;
    const char *file;
    unsigned line;
    struct skip_ref *next;
} skip_ref_t;

typedef struct {
    sl_config_t *cfg;
    rp_arena_t *a; /* cfg->arena */
    rp_error_t *err;
    sl_item_t *tail;

    /* The last rule of a chain still waiting for its next SecRule. */
    sl_item_t *pending_chain;

    id_slot_t *ids; /* open addressing, id 0 = empty */
    size_t ids_cap, ids_n;
    const char **markers; /* open addressing, NULL = empty */
    size_t mk_cap, mk_n;
    skip_ref_t *skips, *skips_tail;

    const char *stack[SL_MAX_DEPTH + 2]; /* canonical paths being read */
    int depth;
} parser_t;

/* What the current directive is, for error locations. */
typedef struct {
    const char *file; /* arena copy */
    const char *dir;  /* for relative Includes */
    unsigned line;    /* where the directive starts */
} where_t;

static int fail(parser_t *ps, const char *file, unsigned line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(parser_t *ps, const char *file, unsigned line, const char *fmt, ...)
{
    va_list ap;
    snprintf(ps->err->file, sizeof(ps->err->file), "%s", file ? file : "");
    ps->err->line = line;
    va_start(ap, fmt);
    vsnprintf(ps->err->reason, sizeof(ps->err->reason), fmt, ap);
    va_end(ap);
    return -1;
}

static int nomem(parser_t *ps, const char *file, unsigned line)
{
    return fail(ps, file, line, "out of memory (configuration larger than %u MiB)",
                SL_ARENA_CAP >> 20);
}

static char *sdup(parser_t *ps, const char *s, size_t len)
{
    return rp_arena_strndup(ps->a, s, len);
}

static bool is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

static bool all_digits(const char *s, size_t len)
{
    if (len == 0)
        return false;
    for (size_t i = 0; i < len; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    return true;
}

/* A positive rule id; 18 digits keeps it inside unsigned long long. */
static bool parse_id(const char *s, size_t len, unsigned long long *out)
{
    if (!all_digits(s, len) || len > 18)
        return false;
    unsigned long long v = 0;
    for (size_t i = 0; i < len; i++)
        v = v * 10 + (unsigned)(s[i] - '0');
    *out = v;
    return v > 0;
}

/* "id" or "first-last" as SecRuleRemoveById and ctl:ruleRemoveById take. */
static bool is_id_or_range(const char *s, size_t len)
{
    unsigned long long a, b;
    const char *dash = memchr(s, '-', len);
    if (!dash)
        return parse_id(s, len, &a);
    return parse_id(s, (size_t)(dash - s), &a) &&
           parse_id(dash + 1, len - (size_t)(dash + 1 - s), &b) && a <= b;
}

static const char *enum_match(const char *const *values, const char *s, size_t len)
{
    for (size_t i = 0; values[i]; i++)
        if (strlen(values[i]) == len && strncasecmp(values[i], s, len) == 0)
            return values[i];
    return NULL;
}

/* "On, Off or DetectionOnly" for error messages. */
static void enum_list(const char *const *values, char *buf, size_t size)
{
    size_t n = 0, used = 0;
    while (values[n])
        n++;
    buf[0] = '\0';
    for (size_t i = 0; i < n && used < size; i++) {
        const char *sep = i == 0 ? "" : (i + 1 == n ? " or " : ", ");
        int w = snprintf(buf + used, size - used, "%s%s", sep, values[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

static uint64_t hash_bytes(const char *s, size_t len)
{
    uint64_t h = 1469598103934665603ULL; /* FNV-1a */
    for (size_t i = 0; i < len; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

/* ------------------------------------------------------ global tables */

/* Remember a rule id; on a duplicate, *first is where it was first seen. */
static int ids_add(parser_t *ps, unsigned long long id, const char *file, unsigned line,
                   const id_slot_t **first)
{
    if ((ps->ids_n + 1) * 2 > ps->ids_cap) {
        size_t cap = ps->ids_cap ? ps->ids_cap * 2 : 1024;
        id_slot_t *t = rp_arena_calloc(ps->a, cap * sizeof(*t));
        if (!t)
            return -1;
        for (size_t i = 0; i < ps->ids_cap; i++) {
            if (!ps->ids[i].id)
                continue;
            size_t j = (size_t)(ps->ids[i].id * 0x9E3779B97F4A7C15ULL) & (cap - 1);
            while (t[j].id)
                j = (j + 1) & (cap - 1);
            t[j] = ps->ids[i];
        }
        ps->ids = t;
        ps->ids_cap = cap;
    }
    size_t j = (size_t)(id * 0x9E3779B97F4A7C15ULL) & (ps->ids_cap - 1);
    while (ps->ids[j].id) {
        if (ps->ids[j].id == id) {
            *first = &ps->ids[j];
            return 1;
        }
        j = (j + 1) & (ps->ids_cap - 1);
    }
    ps->ids[j] = (id_slot_t){id, file, line};
    ps->ids_n++;
    return 0;
}

static bool markers_has(const parser_t *ps, const char *name)
{
    if (!ps->mk_cap)
        return false;
    size_t j = (size_t)hash_bytes(name, strlen(name)) & (ps->mk_cap - 1);
    while (ps->markers[j]) {
        if (strcmp(ps->markers[j], name) == 0)
            return true;
        j = (j + 1) & (ps->mk_cap - 1);
    }
    return false;
}

static int markers_add(parser_t *ps, const char *name)
{
    if (markers_has(ps, name))
        return 0;
    if ((ps->mk_n + 1) * 2 > ps->mk_cap) {
        size_t cap = ps->mk_cap ? ps->mk_cap * 2 : 128;
        const char **t = rp_arena_calloc(ps->a, cap * sizeof(*t));
        if (!t)
            return -1;
        for (size_t i = 0; i < ps->mk_cap; i++) {
            if (!ps->markers[i])
                continue;
            size_t j = (size_t)hash_bytes(ps->markers[i], strlen(ps->markers[i])) & (cap - 1);
            while (t[j])
                j = (j + 1) & (cap - 1);
            t[j] = ps->markers[i];
        }
        ps->markers = t;
        ps->mk_cap = cap;
    }
    size_t j = (size_t)hash_bytes(name, strlen(name)) & (ps->mk_cap - 1);
    while (ps->markers[j])
        j = (j + 1) & (ps->mk_cap - 1);
    ps->markers[j] = name;
    ps->mk_n++;
    return 0;
}

/* ------------------------------------------------------------ variables */

static bool is_name_char(char c)
{
    return isalnum((unsigned char)c) || c == '_';
}

static const char *collection_lookup(const char *s, size_t len)
{
    for (size_t i = 0; i < COUNT(collections); i++)
        if (strlen(collections[i]) == len && strncasecmp(collections[i], s, len) == 0)
            return collections[i];
    return NULL;
}

/* Scan a selector quoted with q (a regex's '/' or a quote) from s[i], the
 * byte after the opening q; a backslash protects the next byte. Returns
 * the index of the closing q or len. */
static size_t scan_to(const char *s, size_t len, size_t i, char q)
{
    while (i < len && s[i] != q)
        i += (s[i] == '\\' && i + 1 < len) ? 2 : 1;
    return i < len ? i : len;
}

/* Parse "VAR|!VAR:sel|&VAR:/re/|VAR:'sel'" into an arena array. */
static int parse_vars(parser_t *ps, const char *s, size_t len, const char *file, unsigned line,
                      sl_var_t **out, size_t *nout)
{
    size_t cap = 1;
    for (size_t i = 0; i < len; i++)
        cap += s[i] == '|';
    sl_var_t *v = rp_arena_calloc(ps->a, cap * sizeof(*v));
    if (!v)
        return nomem(ps, file, line);
    size_t n = 0, i = 0;

    for (;;) {
        while (i < len && is_blank(s[i]))
            i++;
        sl_var_t *var = &v[n];
        for (; i < len && (s[i] == '!' || s[i] == '&'); i++) {
            bool *flag = s[i] == '!' ? &var->exclude : &var->count;
            if (*flag)
                return fail(ps, file, line, "variable: '%c' given twice", s[i]);
            *flag = true;
        }
        size_t name = i;
        while (i < len && is_name_char(s[i]))
            i++;
        if (i == name) {
            if (i >= len)
                return fail(ps, file, line, "variable list: missing variable name at the end");
            return fail(ps, file, line, "variable list: unexpected '%c' where a name should be",
                        s[i]);
        }
        var->collection = collection_lookup(s + name, i - name);
        if (!var->collection)
            return fail(ps, file, line, "unknown variable %.*s", (int)(i - name), s + name);
        if (i < len && s[i] == ':') {
            size_t sel = ++i, sel_end;
            if (i < len && s[i] == '/' && strcmp(var->collection, "XML") != 0) {
                sel_end = scan_to(s, len, i + 1, '/');
                if (sel_end == len)
                    return fail(ps, file, line, "%s: regex selector without closing '/'",
                                var->collection);
                var->selector = sdup(ps, s + i + 1, sel_end - i - 1);
                var->selector_regex = true;
                i = sel_end + 1;
            } else if (i < len && s[i] == '\'') {
                sel_end = scan_to(s, len, i + 1, '\'');
                if (sel_end == len)
                    return fail(ps, file, line, "%s: quoted selector without closing quote",
                                var->collection);
                const char *q = s + i + 1;
                size_t qlen = sel_end - i - 1;
                if (qlen >= 2 && q[0] == '/' && q[qlen - 1] == '/') {
                    var->selector = sdup(ps, q + 1, qlen - 2);
                    var->selector_regex = true;
                } else {
                    var->selector = sdup(ps, q, qlen);
                }
                i = sel_end + 1;
            } else {
                while (i < len && s[i] != '|')
                    i++;
                sel_end = i;
                while (sel_end > sel && is_blank(s[sel_end - 1]))
                    sel_end--;
                if (sel_end == sel)
                    return fail(ps, file, line, "%s: empty selector after ':'", var->collection);
                var->selector = sdup(ps, s + sel, sel_end - sel);
            }
            if (!var->selector)
                return nomem(ps, file, line);
        }
        n++;
        while (i < len && is_blank(s[i]))
            i++;
        if (i >= len)
            break;
        if (s[i] != '|')
            return fail(ps, file, line, "variable list: unexpected '%c' after %s", s[i],
                        var->collection);
        i++;
    }
    *out = v;
    *nout = n;
    return 0;
}

/* ------------------------------------------------------------- operator */

/* Operators of ModSecurity v3 that Rampart does not run (rp_op_known says
 * no). They are SecLang, so the parser accepts them and the compile step
 * refuses them with rp_op_compile's reason at the rule's file:line: Debian's
 * CRS 3.3 carries @geoLookup and @rbl in rules that only run when an
 * operator configures GeoIP or a block list, and whether such a rule may be
 * dropped is a policy decision, not a syntax error. */
static bool modsec_only_operator(const char *name)
{
    static const char *const names[] = {
        "fuzzyHash",   "geoLookup",    "gsbLookup",      "inspectFile", "rbl",       "rsub",
        "validateDTD", "validateHash", "validateSchema", "verifyCPF",   "verifySSN", "verifySVNR"};
    for (size_t i = 0; i < COUNT(names); i++)
        if (strcasecmp(names[i], name) == 0)
            return true;
    return false;
}

static int parse_operator(parser_t *ps, const sl_word_t *w, const char *file, sl_item_t *it)
{
    const char *s = w->text;
    size_t i = 0, len = w->len;

    while (i < len && is_blank(s[i]))
        i++;
    if (i < len && s[i] == '!') {
        it->op_negated = true;
        i++;
    }
    if (i >= len || s[i] != '@') {
        /* No operator: the whole string is a regex, as ModSecurity reads it. */
        it->op_name = "rx";
        it->op_param = sdup(ps, s + i, len - i);
        return it->op_param ? 0 : nomem(ps, file, w->line);
    }
    size_t name = ++i;
    while (i < len && is_name_char(s[i]))
        i++;
    if (i == name)
        return fail(ps, file, w->line, "operator: missing name after '@'");
    if (i < len && !is_blank(s[i]))
        return fail(ps, file, w->line, "operator @%.*s: unexpected '%c' after the name",
                    (int)(i - name), s + name, s[i]);
    it->op_name = sdup(ps, s + name, i - name);
    if (!it->op_name)
        return nomem(ps, file, w->line);
    if (!rp_op_known(it->op_name) && !modsec_only_operator(it->op_name))
        return fail(ps, file, w->line, "unknown operator @%s", it->op_name);
    while (i < len && is_blank(s[i]))
        i++;
    it->op_param = sdup(ps, s + i, len - i);
    return it->op_param ? 0 : nomem(ps, file, w->line);
}

/* -------------------------------------------------------------- actions */

/* What a list of actions carries, for the checks its directive makes. */
typedef struct {
    bool chain;
    const sl_action_t *id;
    unsigned id_line;
    unsigned long long id_value;
} action_summary_t;

static const action_def_t *action_lookup(const char *name)
{
    for (size_t i = 0; i < COUNT(action_defs); i++)
        if (strcasecmp(action_defs[i].name, name) == 0)
            return &action_defs[i];
    return NULL;
}

static int check_ctl(parser_t *ps, const char *v, const char *file, unsigned line)
{
    const char *eq = strchr(v, '=');
    if (!eq)
        return fail(ps, file, line, "ctl:%s: expected option=value", v);
    size_t nlen = (size_t)(eq - v);
    const ctl_def_t *d = NULL;
    for (size_t i = 0; i < COUNT(ctl_defs); i++)
        if (strlen(ctl_defs[i].name) == nlen && strncasecmp(ctl_defs[i].name, v, nlen) == 0)
            d = &ctl_defs[i];
    if (!d)
        return fail(ps, file, line, "unsupported ctl option %.*s", (int)nlen, v);
    const char *val = eq + 1;
    size_t vlen = strlen(val);
    char list[128];
    switch (d->check) {
    case CT_ANY:
        if (vlen == 0)
            return fail(ps, file, line, "ctl:%s needs a value", d->name);
        return 0;
    case CT_UINT:
        if (!all_digits(val, vlen))
            return fail(ps, file, line, "ctl:%s: '%s' is not a number", d->name, val);
        return 0;
    case CT_ENUM:
        if (enum_match(d->values, val, vlen))
            return 0;
        enum_list(d->values, list, sizeof(list));
        return fail(ps, file, line, "ctl:%s: invalid value '%s' (expected %s)", d->name, val, list);
    case CT_IDS:
        if (!is_id_or_range(val, vlen))
            return fail(ps, file, line, "ctl:%s: '%s' is not a rule id or id range", d->name, val);
        return 0;
    case CT_TARGET: {
        const char *semi = strchr(val, ';');
        if (!semi || semi == val || !semi[1])
            return fail(ps, file, line, "ctl:%s: expected RULE;VARIABLE", d->name);
        if (strcmp(d->name, "ruleRemoveTargetById") == 0 &&
            !is_id_or_range(val, (size_t)(semi - val)))
            return fail(ps, file, line, "ctl:%s: '%.*s' is not a rule id or id range", d->name,
                        (int)(semi - val), val);
        sl_var_t *vars;
        size_t n;
        return parse_vars(ps, semi + 1, strlen(semi + 1), file, line, &vars, &n);
    }
    }
    return 0;
}

static int check_action(parser_t *ps, const action_def_t *d, sl_action_t *ac, const char *file,
                        unsigned line, action_summary_t *sum)
{
    const char *v = ac->value;
    size_t vlen = v ? strlen(v) : 0;
    unsigned long long num;

    switch (d->check) {
    case AC_PLAIN:
        return 0;
    case AC_CHAIN:
        sum->chain = true;
        return 0;
    case AC_ID:
        if (!parse_id(v, vlen, &num))
            return fail(ps, file, line, "id:%s: a rule id must be a positive integer", v);
        if (sum->id)
            return fail(ps, file, line, "id given twice (id:%s and id:%s)", sum->id->value, v);
        sum->id = ac;
        sum->id_line = line;
        sum->id_value = num;
        return 0;
    case AC_PHASE:
        if ((vlen == 1 && v[0] >= '1' && v[0] <= '5') || strcasecmp(v, "request") == 0 ||
            strcasecmp(v, "response") == 0 || strcasecmp(v, "logging") == 0)
            return 0;
        return fail(ps, file, line, "phase:%s: expected 1-5, request, response or logging", v);
    case AC_SEVERITY: {
        static const char *const sev[] = {"EMERGENCY", "ALERT", "CRITICAL", "ERROR", "WARNING",
                                          "NOTICE",    "INFO",  "DEBUG",    NULL};
        if ((vlen == 1 && v[0] >= '0' && v[0] <= '7') || enum_match(sev, v, vlen))
            return 0;
        return fail(ps, file, line, "severity:%s: expected 0-7 or a severity name", v);
    }
    case AC_T:
        if (rp_transform_lookup(v, vlen) < 0)
            return fail(ps, file, line, "unsupported transformation t:%s", v);
        return 0;
    case AC_CTL:
        return check_ctl(ps, v, file, line);
    case AC_SKIP:
        if (!parse_id(v, vlen, &num))
            return fail(ps, file, line, "skip:%s: expected a positive number of rules", v);
        return 0;
    case AC_SKIPAFTER: {
        if (vlen == 0)
            return fail(ps, file, line, "skipAfter needs a marker name");
        skip_ref_t *r = rp_arena_alloc(ps->a, sizeof(*r));
        if (!r)
            return nomem(ps, file, line);
        *r = (skip_ref_t){v, file, line, NULL};
        if (ps->skips_tail)
            ps->skips_tail->next = r;
        else
            ps->skips = r;
        ps->skips_tail = r;
        return 0;
    }
    case AC_STATUS:
        if (!all_digits(v, vlen) || vlen != 3)
            return fail(ps, file, line, "status:%s: expected a 3-digit HTTP status", v);
        return 0;
    case AC_NUMBER:
        if (!all_digits(v, vlen) || vlen > 1)
            return fail(ps, file, line, "%s:%s: expected 0-9", d->name, v);
        return 0;
    }
    return 0;
}

/* Split an action list on commas outside single quotes. In "msg:'a, b'"
 * the comma belongs to the message; "\'" inside quotes does not close. */
static int parse_actions(parser_t *ps, const sl_word_t *w, const char *file, sl_action_t **out,
                         size_t *nout, action_summary_t *sum)
{
    const char *s = w->text;
    size_t len = w->len, cap = 1;
    bool q = false;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '\\' && q && i + 1 < len)
            i++;
        else if (s[i] == '\'')
            q = !q;
        else if (s[i] == ',' && !q)
            cap++;
    }
    if (q)
        return fail(ps, file, w->line, "unbalanced quotes in the action list");
    sl_action_t *acts = rp_arena_calloc(ps->a, cap * sizeof(*acts));
    if (!acts)
        return nomem(ps, file, w->line);

    size_t n = 0, i = 0;
    memset(sum, 0, sizeof(*sum));
    while (i <= len) {
        size_t start = i;
        q = false;
        while (i < len && (q || s[i] != ',')) {
            if (s[i] == '\\' && q && i + 1 < len)
                i++;
            else if (s[i] == '\'')
                q = !q;
            i++;
        }
        size_t end = i++;
        bool last = end >= len;
        while (start < end && is_blank(s[start]))
            start++;
        while (end > start && is_blank(s[end - 1]))
            end--;
        unsigned line = sl_word_line(w, start);
        if (start == end) {
            if (last)
                break; /* "" or a trailing comma, which ModSecurity tolerates */
            return fail(ps, file, line, "empty action in the action list");
        }
        const char *colon = memchr(s + start, ':', end - start);
        size_t nend = colon ? (size_t)(colon - s) : end;
        while (nend > start && is_blank(s[nend - 1]))
            nend--;
        sl_action_t *ac = &acts[n];
        ac->name = sdup(ps, s + start, nend - start);
        if (!ac->name)
            return nomem(ps, file, line);
        const action_def_t *d = action_lookup(ac->name);
        if (!d)
            return fail(ps, file, line, "unsupported action %s", ac->name);
        if (colon) {
            size_t vs = (size_t)(colon - s) + 1, ve = end;
            while (vs < ve && is_blank(s[vs]))
                vs++;
            if (vs < ve && s[vs] == '\'') {
                if (ve - vs < 2 || s[ve - 1] != '\'')
                    return fail(ps, file, line, "%s: text after the closing quote", d->name);
                vs++;
                ve--;
            }
            ac->value = sdup(ps, s + vs, ve - vs);
            if (!ac->value)
                return nomem(ps, file, line);
        }
        if (d->value == V_REQ && !ac->value)
            return fail(ps, file, line, "action %s needs a value (%s:...)", d->name, d->name);
        if (d->value == V_NONE && ac->value)
            return fail(ps, file, line, "action %s takes no value", d->name);
        if (check_action(ps, d, ac, file, line, sum) < 0)
            return -1;
        n++;
    }
    *out = acts;
    *nout = n;
    return 0;
}

/* --------------------------------------------------------------- items */

static sl_item_t *item_new(parser_t *ps, sl_kind_t kind, const where_t *at)
{
    sl_item_t *it = rp_arena_calloc(ps->a, sizeof(*it));
    if (!it)
        return NULL;
    it->kind = kind;
    it->file = at->file;
    it->line = at->line;
    return it;
}

static void item_append(parser_t *ps, sl_item_t *it)
{
    if (ps->tail)
        ps->tail->next = it;
    else
        ps->cfg->first = it;
    ps->tail = it;
    ps->cfg->nitems++;
}

/* The id rules: a chain starter needs one, a chained part must not have
 * one (it belongs to its starter), and ids are unique in the whole
 * configuration. */
static int check_rule_id(parser_t *ps, const where_t *at, const action_summary_t *sum, bool chained)
{
    if (chained) {
        if (sum->id)
            return fail(ps, at->file, sum->id_line,
                        "id:%s on a chained rule (only the chain's first rule has an id)",
                        sum->id->value);
        return 0;
    }
    if (!sum->id)
        return fail(ps, at->file, at->line, "rule has no id action");
    const id_slot_t *first = NULL;
    int r = ids_add(ps, sum->id_value, at->file, sum->id_line, &first);
    if (r < 0)
        return nomem(ps, at->file, at->line);
    if (r > 0)
        return fail(ps, at->file, sum->id_line, "duplicate rule id %llu (first at %s:%u)",
                    sum->id_value, first->file, first->line);
    return 0;
}

static int do_rule(parser_t *ps, const where_t *at, sl_word_t *w, size_t n)
{
    sl_item_t *it = item_new(ps, SL_RULE, at);
    if (!it)
        return nomem(ps, at->file, at->line);
    if (parse_vars(ps, w[1].text, w[1].len, at->file, w[1].line, &it->vars, &it->nvars) < 0)
        return -1;
    if (parse_operator(ps, &w[2], at->file, it) < 0)
        return -1;
    action_summary_t sum = {0};
    if (n > 3 && parse_actions(ps, &w[3], at->file, &it->actions, &it->nactions, &sum) < 0)
        return -1;
    bool chained = ps->pending_chain != NULL;
    if (check_rule_id(ps, at, &sum, chained) < 0)
        return -1;
    if (chained)
        ps->pending_chain->chained = it;
    else
        item_append(ps, it);
    ps->pending_chain = sum.chain ? it : NULL;
    ps->cfg->nrules++;
    return 0;
}

static int do_action(parser_t *ps, const where_t *at, sl_word_t *w)
{
    sl_item_t *it = item_new(ps, SL_ACTION, at);
    if (!it)
        return nomem(ps, at->file, at->line);
    action_summary_t sum;
    if (parse_actions(ps, &w[1], at->file, &it->actions, &it->nactions, &sum) < 0)
        return -1;
    if (sum.chain)
        return fail(ps, at->file, at->line, "chain on SecAction (only SecRule can chain)");
    if (check_rule_id(ps, at, &sum, false) < 0)
        return -1;
    item_append(ps, it);
    ps->cfg->nrules++;
    return 0;
}

static int do_marker(parser_t *ps, const where_t *at, sl_word_t *w)
{
    sl_item_t *it = item_new(ps, SL_MARKER, at);
    if (!it)
        return nomem(ps, at->file, at->line);
    const char *s = w[1].text;
    size_t len = w[1].len;
    if (!w[1].quoted && len >= 2 && s[0] == '\'' && s[len - 1] == '\'') {
        s++;
        len -= 2;
    }
    if (len == 0)
        return fail(ps, at->file, at->line, "SecMarker needs a name");
    it->name = sdup(ps, s, len);
    if (!it->name || markers_add(ps, it->name) < 0)
        return nomem(ps, at->file, at->line);
    item_append(ps, it);
    return 0;
}

/* Every other directive: checked by kind, kept as words. */
static int do_directive(parser_t *ps, const where_t *at, const directive_def_t *d, sl_word_t *w,
                        size_t n)
{
    sl_item_t *it = item_new(ps, SL_DIRECTIVE, at);
    if (!it)
        return nomem(ps, at->file, at->line);
    it->name = d->name;
    it->nargs = n - 1;
    it->args = rp_arena_calloc(ps->a, (n ? n : 1) * sizeof(*it->args));
    if (!it->args)
        return nomem(ps, at->file, at->line);
    for (size_t i = 1; i < n; i++)
        if (!(it->args[i - 1] = sdup(ps, w[i].text, w[i].len)))
            return nomem(ps, at->file, at->line);

    const char *f = at->file;
    char list[128];
    action_summary_t sum;
    switch (d->kind) {
    case D_ENUM: {
        const char *canon = enum_match(d->values, w[1].text, w[1].len);
        if (!canon) {
            enum_list(d->values, list, sizeof(list));
            return fail(ps, f, w[1].line, "%s: invalid value '%s' (expected %s)", d->name,
                        w[1].text, list);
        }
        it->args[0] = canon; /* canonical spelling for the compile step */
        break;
    }
    case D_UINT:
        for (size_t i = 1; i < n; i++)
            if (!all_digits(w[i].text, w[i].len))
                return fail(ps, f, w[i].line, "%s: '%s' is not a non-negative integer", d->name,
                            w[i].text);
        break;
    case D_DEFAULT:
        if (parse_actions(ps, &w[1], f, &it->actions, &it->nactions, &sum) < 0)
            return -1;
        if (sum.id)
            return fail(ps, f, sum.id_line, "SecDefaultAction cannot carry an id");
        if (sum.chain)
            return fail(ps, f, at->line, "SecDefaultAction cannot carry chain");
        break;
    case D_REMOVE_IDS:
        for (size_t i = 1; i < n; i++)
            if (!is_id_or_range(w[i].text, w[i].len))
                return fail(ps, f, w[i].line, "%s: '%s' is not a rule id or id range", d->name,
                            w[i].text);
        break;
    case D_UPDATE_TGT_ID:
    case D_UPDATE_TGT_TAG:
        if (d->kind == D_UPDATE_TGT_ID && !is_id_or_range(w[1].text, w[1].len))
            return fail(ps, f, w[1].line, "%s: '%s' is not a rule id or id range", d->name,
                        w[1].text);
        for (size_t i = 2; i < n; i++) {
            sl_var_t *vars;
            size_t nv;
            if (parse_vars(ps, w[i].text, w[i].len, f, w[i].line, &vars, &nv) < 0)
                return -1;
            if (i == 2) {
                it->vars = vars;
                it->nvars = nv;
            }
        }
        break;
    case D_UPDATE_ACTION: {
        /* "id" or "id:offset-in-chain" (ModSecurity v2 syntax). */
        const char *colon = memchr(w[1].text, ':', w[1].len);
        size_t idlen = colon ? (size_t)(colon - w[1].text) : w[1].len;
        unsigned long long id;
        if (!parse_id(w[1].text, idlen, &id) ||
            (colon && !all_digits(colon + 1, w[1].len - idlen - 1)))
            return fail(ps, f, w[1].line, "%s: '%s' is not a rule id", d->name, w[1].text);
        if (parse_actions(ps, &w[2], f, &it->actions, &it->nactions, &sum) < 0)
            return -1;
        if (sum.id)
            return fail(ps, f, sum.id_line, "%s cannot change a rule's id", d->name);
        if (sum.chain)
            return fail(ps, f, w[2].line, "%s cannot add chain", d->name);
        break;
    }
    case D_CHAR:
        if (w[1].len != 1)
            return fail(ps, f, w[1].line, "%s: expected one character, got '%s'", d->name,
                        w[1].text);
        break;
    case D_UNICODE:
        if (n > 2 && !all_digits(w[2].text, w[2].len))
            return fail(ps, f, w[2].line, "%s: code page '%s' is not a number", d->name, w[2].text);
        break;
    default:
        break;
    }
    item_append(ps, it);
    return 0;
}

/* ------------------------------------------------------------- files */

static int parse_text(parser_t *ps, const char *text, size_t len, const char *file,
                      const char *dir);

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int parse_path(parser_t *ps, const char *path, const where_t *from)
{
    const char *ef = from ? from->file : path;
    unsigned el = from ? from->line : 0;
    char real[PATH_MAX];

    if (ps->depth > SL_MAX_DEPTH)
        return fail(ps, ef, el, "Include nested deeper than %d files", SL_MAX_DEPTH);
    if (!realpath(path, real))
        return fail(ps, ef, el, "cannot open %s: %s", path, strerror(errno));
    for (int i = 0; i < ps->depth; i++)
        if (strcmp(ps->stack[i], real) == 0)
            return fail(ps, ef, el, "Include cycle: %s is already being read", path);

    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return fail(ps, ef, el, "cannot open %s: %s", path, strerror(errno));
    struct stat st;
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode) || st.st_size > (off_t)SL_FILE_MAX) {
        close(fd);
        return fail(ps, ef, el, "cannot read %s: not a regular file of at most %u MiB", path,
                    SL_FILE_MAX >> 20);
    }
    size_t size = (size_t)st.st_size, got = 0;
    char *buf = malloc(size + 1);
    if (!buf) {
        close(fd);
        return nomem(ps, ef, el);
    }
    while (got < size) {
        ssize_t r = read(fd, buf + got, size - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        got += (size_t)r;
    }
    close(fd);

    const char *file = sdup(ps, path, strlen(path));
    const char *slash = strrchr(path, '/');
    const char *dir = slash ? sdup(ps, path, slash == path ? 1 : (size_t)(slash - path)) : ".";
    ps->stack[ps->depth] = sdup(ps, real, strlen(real));
    int rc;
    if (!file || !dir || !ps->stack[ps->depth]) {
        rc = nomem(ps, ef, el);
    } else {
        ps->depth++;
        rc = parse_text(ps, buf, got, file, dir);
        ps->depth--;
    }
    free(buf);
    return rc;
}

static int do_include(parser_t *ps, const where_t *at, const sl_word_t *w, bool optional)
{
    const char *pat = w[1].text;
    char *full = NULL;
    if (pat[0] != '/') {
        size_t dl = strlen(at->dir), pl = w[1].len;
        full = rp_arena_alloc(ps->a, dl + pl + 2);
        if (!full)
            return nomem(ps, at->file, at->line);
        memcpy(full, at->dir, dl);
        full[dl] = '/';
        memcpy(full + dl + 1, pat, pl + 1);
        pat = full;
    }
    glob_t g;
    int r = glob(pat, GLOB_NOSORT, NULL, &g);
    if (r == GLOB_NOMATCH) {
        globfree(&g);
        if (optional)
            return 0;
        return fail(ps, at->file, at->line, "Include: no file matches %s", pat);
    }
    if (r != 0) {
        globfree(&g);
        return fail(ps, at->file, at->line, "Include: cannot expand %s", pat);
    }
    /* Sorted by bytes, not locale: the order of CRS files is part of its
     * semantics and must not depend on the environment. */
    qsort(g.gl_pathv, g.gl_pathc, sizeof(char *), cmp_str);
    int rc = 0;
    for (size_t i = 0; i < g.gl_pathc && rc == 0; i++)
        rc = parse_path(ps, g.gl_pathv[i], at);
    globfree(&g);
    return rc;
}

static const directive_def_t *directive_lookup(const char *name)
{
    for (size_t i = 0; i < COUNT(directive_defs); i++)
        if (strcasecmp(directive_defs[i].name, name) == 0)
            return &directive_defs[i];
    return NULL;
}

static int dispatch(parser_t *ps, const where_t *at, sl_word_t *w, size_t n)
{
    const directive_def_t *d = directive_lookup(w[0].text);
    if (!d)
        return fail(ps, at->file, at->line, "unknown directive %s", w[0].text);
    size_t nargs = n - 1;
    if (nargs < d->min || (d->max != MANY && nargs > d->max)) {
        if (d->max == MANY)
            return fail(ps, at->file, at->line, "%s takes at least %u argument%s, got %zu", d->name,
                        d->min, d->min == 1 ? "" : "s", nargs);
        if (d->min == d->max)
            return fail(ps, at->file, at->line, "%s takes %u argument%s, got %zu", d->name, d->min,
                        d->min == 1 ? "" : "s", nargs);
        return fail(ps, at->file, at->line, "%s takes %u to %u arguments, got %zu", d->name, d->min,
                    d->max, nargs);
    }
    if (ps->pending_chain && d->kind != D_RULE)
        return fail(ps, ps->pending_chain->file, ps->pending_chain->line,
                    "chain: the next directive (%s at line %u) is not a SecRule", d->name,
                    at->line);
    switch (d->kind) {
    case D_RULE:
        return do_rule(ps, at, w, n);
    case D_ACTION:
        return do_action(ps, at, w);
    case D_MARKER:
        return do_marker(ps, at, w);
    case D_INCLUDE:
    case D_INCLUDE_OPTIONAL:
        return do_include(ps, at, w, d->kind == D_INCLUDE_OPTIONAL);
    default:
        return do_directive(ps, at, d, w, n);
    }
}

static int parse_text(parser_t *ps, const char *text, size_t len, const char *file, const char *dir)
{
    rp_arena_t *scratch = rp_arena_new(SL_SCRATCH_BLOCK, SL_ARENA_CAP);
    if (!scratch)
        return nomem(ps, file, 0);
    sl_word_t words[SL_MAX_WORDS];
    sl_lexer_t lx;
    sl_lex_init(&lx, text, len, scratch);
    int rc = 0;
    for (;;) {
        size_t n;
        where_t at = {file, dir, 0};
        char reason[sizeof(ps->err->reason)];
        sl_lex_result_t r =
            sl_lex_next(&lx, words, SL_MAX_WORDS, &n, &at.line, reason, sizeof(reason));
        if (r == SL_LEX_END)
            break;
        if (r == SL_LEX_ERROR) {
            rc = fail(ps, file, at.line, "%s", reason);
            break;
        }
        rc = dispatch(ps, &at, words, n);
        rp_arena_reset(scratch);
        if (rc < 0)
            break;
    }
    /* A chain does not continue into another file: the rule that would
     * complete it is not where a reader of this file can see it. */
    if (rc == 0 && ps->pending_chain)
        rc = fail(ps, ps->pending_chain->file, ps->pending_chain->line,
                  "chain: the rule is the last of its file, no SecRule follows");
    rp_arena_free(scratch);
    return rc;
}

/* ------------------------------------------------------------ the API */

static sl_config_t *config_new(parser_t *ps, rp_error_t *err)
{
    memset(ps, 0, sizeof(*ps));
    ps->err = err;
    memset(err, 0, sizeof(*err));
    rp_arena_t *a = rp_arena_new(SL_SCRATCH_BLOCK, SL_ARENA_CAP);
    sl_config_t *c = a ? rp_arena_calloc(a, sizeof(*c)) : NULL;
    if (!c) {
        rp_arena_free(a);
        fail(ps, NULL, 0, "out of memory");
        return NULL;
    }
    c->arena = a;
    ps->cfg = c;
    ps->a = a;
    return c;
}

/* Checks that need the whole configuration: skipAfter targets. */
static sl_config_t *config_finish(parser_t *ps, int rc)
{
    for (const skip_ref_t *r = ps->skips; rc == 0 && r; r = r->next)
        if (!markers_has(ps, r->target))
            rc = fail(ps, r->file, r->line, "skipAfter:%s: no SecMarker %s in the configuration",
                      r->target, r->target);
    if (rc < 0) {
        sl_config_free(ps->cfg);
        return NULL;
    }
    return ps->cfg;
}

sl_config_t *sl_parse_file(const char *path, rp_error_t *err)
{
    rp_error_t dummy;
    parser_t ps;
    if (!config_new(&ps, err ? err : &dummy))
        return NULL;
    return config_finish(&ps, parse_path(&ps, path, NULL));
}

sl_config_t *sl_parse_string(const char *text, size_t len, const char *name, const char *base_dir,
                             rp_error_t *err)
{
    rp_error_t dummy;
    parser_t ps;
    if (!config_new(&ps, err ? err : &dummy))
        return NULL;
    const char *file = sdup(&ps, name ? name : "<string>", strlen(name ? name : "<string>"));
    const char *dir = sdup(&ps, base_dir ? base_dir : ".", strlen(base_dir ? base_dir : "."));
    int rc = file && dir ? parse_text(&ps, text, len, file, dir) : nomem(&ps, name, 0);
    return config_finish(&ps, rc);
}

void sl_config_free(sl_config_t *c)
{
    if (c)
        rp_arena_free(c->arena);
}

const sl_action_t *sl_action_find(const sl_item_t *it, const char *name)
{
    for (size_t i = 0; i < it->nactions; i++)
        if (strcasecmp(it->actions[i].name, name) == 0)
            return &it->actions[i];
    return NULL;
}
