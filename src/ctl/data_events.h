/*
 * data_events.h — what rampartd does with events once they are stored,
 * beyond storing them:
 *
 *   data-access     one audit record each (data_audit.h): who saw which
 *                   classes of which records unmasked, from where
 *   data-access and data-discovery
 *                   the exposure view (exposure.h): which endpoints show
 *                   which classes to which roles, masked or clear
 *   any category an alert_rule names
 *                   counted for alerts (alerts.h)
 *
 * Called by the ingest writer after a batch committed, so a batch that
 * rolls back and is retried is not counted twice; the exposure cells of a
 * batch are written in one transaction at its end. Events nothing above
 * wants cost a few string compares. A data event's audit record follows
 * its commit: rampartd killed between the two leaves the event stored
 * without its record (the log says which at the next data-access).
 */
#ifndef RAMPART_CTL_DATA_EVENTS_H
#define RAMPART_CTL_DATA_EVENTS_H

#include "ctl.h"
#include "event_parse.h"

typedef struct data_events data_events_t;

/* The state of the ingest writer's thread: alert counters, the exposure
 * cells of the batch. NULL when out of memory. */
data_events_t *data_events_new(void);
void data_events_free(data_events_t *d);

/* Whether ev is a data-access or data-discovery event. */
int data_event_is(const event_t *ev);

/* Handles one committed event. */
void data_events_committed(data_events_t *d, ctl_t *ctl, const ctl_config_t *cfg,
                           const event_t *ev);

/* After the batch's events: the exposure cells and the alerts' hit
 * counts written. */
void data_events_batch_done(data_events_t *d, ctl_t *ctl);

#endif
