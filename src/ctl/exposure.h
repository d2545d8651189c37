/*
 * exposure.h — which endpoints of each application expose which data
 * classes to which roles, masked or in clear: the data events
 * (data-access, data-discovery; docs/DATA-CLASSES.md) added up per
 * (application, path, class, viewer roles, view) in the store
 * (store_dataview.h), shown by GET /api/v1/exposure and the console's
 * Data exposure page.
 *
 * Paths are templated so the table stays bounded by the application's
 * routes, not its records: a path segment that is a number, a resident
 * ID number, a UUID or a long hexadecimal run becomes "{id}"
 * (/api/citizens/42 → /api/citizens/{id}). Discovery events are sent at
 * most once per rule and interval (mask_discovery), so their counts say
 * "seen", not how often; data-access events are counted every time.
 */
#ifndef RAMPART_CTL_EXPOSURE_H
#define RAMPART_CTL_EXPOSURE_H

#include <jansson.h>
#include <stddef.h>

#include "ctl.h"
#include "event_parse.h"

/* The templated form of path[0..len) into out (NUL-terminated); a path
 * longer than size - 1 ends before the first segment that does not fit
 * whole. */
void exposure_template(const char *path, size_t len, char *out, size_t size);

/* The cells of one ingest batch, merged in memory and written in one
 * transaction at its end (one commit per batch, not per event). */
#define EXPOSURE_BATCH_CELLS 256

typedef struct exposure_batch exposure_batch_t;

exposure_batch_t *exposure_batch_new(void);
void exposure_batch_free(exposure_batch_t *b);

/* Adds a data event (its parsed JSON in doc) to the batch; a full batch
 * is written first. */
void exposure_add_event(exposure_batch_t *b, ctl_t *ctl, const event_t *ev, json_t *doc);

/* Writes the batch's cells and empties it. STORE_OK or the store's error
 * (the cells are then dropped, and a warning logged: the view is an
 * aggregate, the events themselves are stored). */
int exposure_flush(exposure_batch_t *b, ctl_t *ctl);

#endif
