/*
 * apps_bootstrap.h — what a first start on a gateway host needs before
 * any person logs in: the seed application (`seed_app`) and a gateway
 * token for the local `rampart sync` (`gateway_token_file`).
 */
#ifndef RAMPART_CTL_APPS_BOOTSTRAP_H
#define RAMPART_CTL_APPS_BOOTSTRAP_H

#include "ctl.h"

/* Registers seed_app when the store holds no application; creates a
 * gateway token and writes it to gateway_token_file when that file does
 * not exist. 0, or -1 with err. */
int apps_bootstrap(ctl_t *ctl, const ctl_config_t *cfg, rp_error_t *err);

#endif
