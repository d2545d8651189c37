/*
 * api_dataview.h — the data visibility endpoints (docs/RAMPARTD.md, "Data
 * exposure and alerts"):
 *
 *   GET  /api/v1/exposure[?app=NAME]   exposure.h's aggregate   data:read
 *   GET  /api/v1/alerts[?state=open|acked&limit=N&cursor=ID]     data:read
 *   POST /api/v1/alerts/{id}/ack       open -> acked            alerts:manage
 */
#ifndef RAMPART_CTL_API_DATAVIEW_H
#define RAMPART_CTL_API_DATAVIEW_H

#include "http.h"

enum MHD_Result api_exposure_list(http_req_t *r);
enum MHD_Result api_alerts_list(http_req_t *r);
enum MHD_Result api_alerts_ack(http_req_t *r);

#endif
