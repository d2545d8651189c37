/*
 * store_dataview_schema.h — migration 10, data visibility (exposure.h)
 * and alerts (alerts.h), written once for both backends in the style of
 * migration 5: ID is the backend's auto-increment primary key, INT its
 * 64-bit integer type.
 *
 *   data_exposure  per application, path (templated: exposure.h), data
 *                  class, viewer roles and view (masked, clear, detect):
 *                  how many responses and values, first and last seen
 *   alerts         one row per alert rule, subject (the rule's key: a
 *                  user) and window; secops acknowledge them
 */
#ifndef RAMPART_CTL_STORE_DATAVIEW_SCHEMA_H
#define RAMPART_CTL_STORE_DATAVIEW_SCHEMA_H

#define STORE_DATAVIEW_MIGRATION(ID, INT)                                                          \
    "CREATE TABLE data_exposure ("                                                                 \
    "  app text NOT NULL,"                                                                         \
    "  path text NOT NULL,"                                                                        \
    "  class text NOT NULL,"                                                                       \
    "  roles text NOT NULL,"                                                                       \
    "  view text NOT NULL,"                                                                        \
    "  responses " INT " NOT NULL,"                                                                \
    "  values_seen " INT " NOT NULL,"                                                              \
    "  first_seen " INT " NOT NULL,"                                                               \
    "  last_seen " INT " NOT NULL,"                                                                \
    "  PRIMARY KEY (app, path, class, roles, view)"                                                \
    ");"                                                                                           \
    "CREATE TABLE alerts ("                                                                        \
    "  id " ID ","                                                                                 \
    "  rule text NOT NULL,"                                                                        \
    "  subject text NOT NULL,"                                                                     \
    "  window_start " INT " NOT NULL,"                                                             \
    "  window_seconds " INT " NOT NULL,"                                                           \
    "  threshold " INT " NOT NULL,"                                                                \
    "  hits " INT " NOT NULL,"                                                                     \
    "  first_seen " INT " NOT NULL,"                                                               \
    "  last_seen " INT " NOT NULL,"                                                                \
    "  state text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'acked')),"                     \
    "  acked_by text NOT NULL DEFAULT '',"                                                         \
    "  acked_at " INT " NOT NULL DEFAULT 0,"                                                       \
    "  detail text NOT NULL DEFAULT '{}',"                                                         \
    "  UNIQUE (rule, subject, window_start)"                                                       \
    ");"                                                                                           \
    "CREATE INDEX alerts_state ON alerts (state, id);"

#endif
