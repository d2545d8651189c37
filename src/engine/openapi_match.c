/*
 * openapi_match.c — path templates (OpenAPI "paths" keys such as
 * /citizens/{id}/records/{year}.pdf) as a tree of segments, and the lookup
 * of a request path in it.
 *
 * A segment is a literal or prefix{name}suffix (one parameter per
 * segment). Lookup tries literal children before templated ones, so a
 * concrete path wins over a templated one as OpenAPI requires, and
 * backtracks when a branch dead-ends. Each tree node is reached only at
 * the depth of its segment, so a lookup visits every node at most once.
 */
#include <string.h>
#include <strings.h>

#include "openapi_t.h"

const char *const api_method_names[8] = {"get",     "put",  "post",  "delete",
                                         "options", "head", "patch", "trace"};

int api_method_index(const char *method)
{
    for (int i = 0; i < 8; i++)
        if (strcasecmp(method, api_method_names[i]) == 0)
            return i;
    return -1;
}

static bool same_seg(const api_seg_t *s, bool is_param, const char *text, size_t text_len,
                     const char *suffix, size_t suffix_len)
{
    return s->is_param == is_param && s->text_len == text_len &&
           memcmp(s->text, text, text_len) == 0 && s->suffix_len == suffix_len &&
           (!suffix_len || memcmp(s->suffix, suffix, suffix_len) == 0);
}

int api_match_add(api_build_t *b, const char *tmpl, api_path_t **out)
{
    rp_arena_t *a = b->api->arena;
    if (tmpl[0] != '/') {
        api_fail(b, "a path must start with /");
        return -1;
    }
    api_path_t *path = rp_arena_calloc(a, sizeof(*path));
    const char **names = rp_arena_calloc(a, RP_OPENAPI_MAX_PATH_SEGMENT * sizeof(*names));
    if (!path || !names) {
        api_fail(b, "out of memory");
        return -1;
    }
    path->template_text = tmpl;
    path->seg_param = names;
    api_seg_t *node = &b->api->root;
    const char *p = tmpl;
    while (*p == '/') {
        const char *start = ++p;
        while (*p && *p != '/')
            p++;
        size_t len = (size_t)(p - start);
        if (len == 0 && *p == '\0' && path->nsegs > 0)
            break; /* a trailing slash matches the same as without */
        if (path->nsegs == RP_OPENAPI_MAX_PATH_SEGMENT) {
            api_fail(b, "more than %d segments", RP_OPENAPI_MAX_PATH_SEGMENT);
            return -1;
        }
        const char *open = memchr(start, '{', len);
        const char *close = open ? memchr(open, '}', len - (size_t)(open - start)) : NULL;
        bool is_param = open != NULL;
        if (open && (!close || close == open + 1 ||
                     memchr(close + 1, '{', len - (size_t)(close + 1 - start)) ||
                     memchr(open + 1, '{', (size_t)(close - open - 1)))) {
            api_fail(b, "a segment may hold one {parameter}");
            return -1;
        }
        if (!open && memchr(start, '}', len)) {
            api_fail(b, "unbalanced } in path");
            return -1;
        }
        const char *text = start, *suffix = NULL;
        size_t text_len = len, suffix_len = 0;
        if (is_param) {
            text_len = (size_t)(open - start);
            suffix = close + 1;
            suffix_len = len - (size_t)(suffix - start);
            names[path->nsegs] = rp_arena_strndup(a, open + 1, (size_t)(close - open - 1));
            if (!names[path->nsegs]) {
                api_fail(b, "out of memory");
                return -1;
            }
        }
        path->nsegs++;
        api_seg_t *c = node->children;
        while (c && !same_seg(c, is_param, text, text_len, suffix, suffix_len))
            c = c->next;
        if (!c) {
            c = rp_arena_calloc(a, sizeof(*c));
            if (!c) {
                api_fail(b, "out of memory");
                return -1;
            }
            c->is_param = is_param;
            c->text = text;
            c->text_len = text_len;
            c->suffix = suffix;
            c->suffix_len = suffix_len;
            /* literals first, so lookup tries them first */
            api_seg_t **link = &node->children;
            if (is_param)
                while (*link)
                    link = &(*link)->next;
            c->next = *link;
            *link = c;
        }
        node = c;
    }
    if (node->path) {
        api_fail(b, "path template duplicates %s", node->path->template_text);
        return -1;
    }
    node->path = path;
    *out = path;
    return 0;
}

static bool seg_matches(const api_seg_t *s, const char *seg, size_t len)
{
    if (!s->is_param)
        return s->text_len == len && memcmp(s->text, seg, len) == 0;
    /* a parameter takes at least one byte */
    return len > s->text_len + s->suffix_len && memcmp(seg, s->text, s->text_len) == 0 &&
           memcmp(seg + len - s->suffix_len, s->suffix, s->suffix_len) == 0;
}

static const api_path_t *walk(const api_seg_t *node, const char *p, const char *end,
                              const char **seg_start, size_t *seg_len, size_t depth,
                              size_t max_segs)
{
    if (p >= end)
        return node->path;
    if (*p != '/' || depth == max_segs)
        return NULL;
    const char *start = p + 1, *q = start;
    while (q < end && *q != '/')
        q++;
    size_t len = (size_t)(q - start);
    if (len == 0 && q == end && depth > 0)
        return node->path; /* trailing slash */
    for (const api_seg_t *c = node->children; c; c = c->next) {
        if (!seg_matches(c, start, len))
            continue;
        const api_path_t *found = walk(c, q, end, seg_start, seg_len, depth + 1, max_segs);
        if (found) {
            seg_start[depth] = start + (c->is_param ? c->text_len : 0);
            seg_len[depth] = c->is_param ? len - c->text_len - c->suffix_len : len;
            return found;
        }
    }
    return NULL;
}

const api_path_t *api_match(const rp_openapi_t *api, const char *path, size_t len,
                            const char **seg_start, size_t *seg_len, size_t max_segs)
{
    if (api->base_path_len) {
        if (len < api->base_path_len || memcmp(path, api->base_path, api->base_path_len) != 0 ||
            (len > api->base_path_len && path[api->base_path_len] != '/'))
            return NULL;
        path += api->base_path_len;
        len -= api->base_path_len;
    }
    if (len == 0)
        return api->root.path;
    return walk(&api->root, path, path + len, seg_start, seg_len, 0, max_segs);
}
