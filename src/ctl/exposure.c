/*
 * exposure.c — data events added up per endpoint (see exposure.h).
 */
#include "exposure.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_audit.h"
#include "log.h"
#include "store_dataview.h"

static int all_digits(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return n > 0;
}

static int all_hex_or_dash(const char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char c = (char)(s[i] | 0x20);
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || s[i] == '-'))
            return 0;
    }
    return 1;
}

/* An identifier of a record rather than a name of a route. */
static int is_identifier(const char *s, size_t n)
{
    if (all_digits(s, n))
        return 1;
    if (n == 18 && all_digits(s, 17) && (s[17] == 'X' || s[17] == 'x'))
        return 1; /* a resident ID number with the check character X */
    return n >= 16 && all_hex_or_dash(s, n);
}

void exposure_template(const char *path, size_t len, char *out, size_t size)
{
    size_t o = 0;
    size_t i = 0;
    while (i < len && o + 1 < size) {
        if (path[i] == '/') {
            out[o++] = '/';
            i++;
            continue;
        }
        size_t end = i;
        while (end < len && path[end] != '/')
            end++;
        const char *seg = path + i;
        size_t n = end - i;
        if (is_identifier(seg, n)) {
            seg = "{id}";
            n = 4;
        }
        if (o + n >= size)
            break; /* a segment is never cut: a cut one could read as another */
        memcpy(out + o, seg, n);
        o += n;
        i = end;
    }
    out[o] = '\0';
}

struct exposure_batch {
    exposure_row_t cells[EXPOSURE_BATCH_CELLS];
    size_t n;
};

exposure_batch_t *exposure_batch_new(void)
{
    return calloc(1, sizeof(exposure_batch_t));
}

void exposure_batch_free(exposure_batch_t *b)
{
    free(b);
}

int exposure_flush(exposure_batch_t *b, ctl_t *ctl)
{
    int rc = store_exposure_add(ctl->store, b->cells, b->n);
    if (rc != STORE_OK)
        log_kv(LOG_LEVEL_WARN, "exposure: cannot update the aggregate", "cells", LOG_INT(b->n),
               NULL);
    b->n = 0;
    return rc;
}

static int same_cell(const exposure_row_t *a, const exposure_row_t *b)
{
    return strcmp(a->class_, b->class_) == 0 && strcmp(a->path, b->path) == 0 &&
           strcmp(a->app, b->app) == 0 && strcmp(a->roles, b->roles) == 0 &&
           strcmp(a->view, b->view) == 0;
}

static void add_cell(exposure_batch_t *b, ctl_t *ctl, const exposure_row_t *r)
{
    for (size_t i = 0; i < b->n; i++) {
        exposure_row_t *c = &b->cells[i];
        if (same_cell(c, r)) {
            c->responses += r->responses;
            c->values_seen += r->values_seen;
            if (r->first_seen < c->first_seen)
                c->first_seen = r->first_seen;
            if (r->last_seen > c->last_seen)
                c->last_seen = r->last_seen;
            return;
        }
    }
    if (b->n == EXPOSURE_BATCH_CELLS)
        exposure_flush(b, ctl);
    b->cells[b->n++] = *r;
}

void exposure_add_event(exposure_batch_t *b, ctl_t *ctl, const event_t *ev, json_t *doc)
{
    json_t *data = json_object_get(doc, "data");
    const char *view = json_string_value(json_object_get(data, "view"));
    if (!b || !view || !ev->app || !ev->uri)
        return;
    exposure_row_t r;
    memset(&r, 0, sizeof(r));
    snprintf(r.app, sizeof(r.app), "%s", ev->app);
    exposure_template(ev->uri, ev->path_len, r.path, sizeof(r.path));
    json_t *roles = data_audit_claim(data, "roles");
    snprintf(r.roles, sizeof(r.roles), "%s", json_string_value(roles));
    json_decref(roles);
    snprintf(r.view, sizeof(r.view), "%s", view);
    r.responses = 1;
    r.first_seen = r.last_seen = ev->ts;
    const char *name;
    json_t *count;
    size_t n = 0;
    json_object_foreach(json_object_get(data, "classes"), name, count)
    {
        if (n++ == 16) /* the gateway knows fewer classes than that */
            break;
        if (!json_is_integer(count) || json_integer_value(count) <= 0 || strlen(name) > 32)
            continue;
        snprintf(r.class_, sizeof(r.class_), "%s", name);
        r.values_seen = json_integer_value(count);
        add_cell(b, ctl, &r);
    }
}
