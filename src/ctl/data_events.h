/*
 * data_events.h — what rampartd does with the gateway's data events
 * (docs/DATA-CLASSES.md, "Masking responses") once they are stored:
 *
 *   data-access     one audit record each (data_audit.h): who saw which
 *                   classes of which records unmasked, from where
 *   data-access and data-discovery
 *                   the exposure view (exposure.h): which endpoints show
 *                   which classes to which roles, masked or clear
 *
 * Called by the ingest writer after a batch committed, so a batch that
 * rolls back and is retried is not counted twice. Other events return at
 * once (a category compare).
 */
#ifndef RAMPART_CTL_DATA_EVENTS_H
#define RAMPART_CTL_DATA_EVENTS_H

#include "ctl.h"
#include "event_parse.h"

/* Whether ev is a data-access or data-discovery event. */
int data_event_is(const event_t *ev);

/* Handles one committed data event (no-op for any other). */
void data_events_committed(ctl_t *ctl, const event_t *ev);

#endif
