/*
 * idconf.c — the identity settings read where only the running rampartd is
 * at hand (see idconf.h).
 */
#include "idconf.h"

#include "ctl.h"

int idconf_session_absolute_s(ctl_t *ctl)
{
    ctl_config_t *cfg = config_acquire(&ctl->config);
    int s = cfg->id.session_absolute_s;
    config_release(cfg);
    return s;
}
