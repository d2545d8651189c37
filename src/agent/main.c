/*
 * main.c — rampart-agent: options, then the agent's loop (agent.c).
 *
 *   rampart-agent -c /etc/rampart/rampart-agent.conf   run in the foreground
 *   rampart-agent -t -c FILE                           check the file and exit
 *   rampart-agent -c FILE -B ROOT -o OUT               write a FIM baseline of ROOT
 *                                                      to OUT and exit (benchmarks)
 *   rampart-agent -c FILE -S                           run the baseline policies once
 *                                                      and print the report (JSON)
 *   rampart-agent -c FILE -U ADDR                      lift an active-response block
 *   rampart-agent -c FILE -R ID                        restore a quarantined file
 *
 * Exit codes: 0 after SIGTERM/SIGINT, 1 on a start-up failure, 2 on a bad
 * command line or configuration.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "agent.h"
#include "baseline.h"
#include "fim.h"
#include "log.h"
#include "response.h"
#include "timefmt.h"

static void usage(void)
{
    fprintf(stderr, "usage: rampart-agent [-t] [-c FILE]\n"
                    "  -c FILE  configuration (default /etc/rampart/rampart-agent.conf)\n"
                    "  -t       check the configuration and exit\n"
                    "  -B ROOT  build a file integrity baseline of ROOT (with -o OUT) and exit\n"
                    "  -S       run the baseline policies once, print the report and exit\n"
                    "  -U ADDR  lift the block of ADDR (active response) and exit\n"
                    "  -R ID    restore the quarantined file ID and exit\n"
                    "  -V       print the version\n");
}

int main(int argc, char **argv)
{
    const char *conf = "/etc/rampart/rampart-agent.conf";
    const char *baseline_root = NULL, *baseline_out = NULL, *unblock = NULL, *restore = NULL;
    int check_only = 0, run_baseline = 0;
    int opt;
    while ((opt = getopt(argc, argv, "c:tB:o:SU:R:Vh")) != -1) {
        switch (opt) {
        case 'c':
            conf = optarg;
            break;
        case 't':
            check_only = 1;
            break;
        case 'B':
            baseline_root = optarg;
            break;
        case 'o':
            baseline_out = optarg;
            break;
        case 'S':
            run_baseline = 1;
            break;
        case 'U':
            unblock = optarg;
            break;
        case 'R':
            restore = optarg;
            break;
        case 'V':
            printf("rampart-agent %s\n", AGENT_VERSION);
            return 0;
        default:
            usage();
            return 2;
        }
    }
    if (optind != argc || !baseline_root != !baseline_out) {
        usage();
        return 2;
    }
    static agent_config_t cfg;
    rp_error_t err;
    if (agent_config_load(conf, &cfg, &err)) {
        if (err.line)
            fprintf(stderr, "rampart-agent: %s:%u: %s\n", err.file, err.line, err.reason);
        else
            fprintf(stderr, "rampart-agent: %s: %s\n", err.file, err.reason);
        return 2;
    }
    if (unblock)
        return response_unblock_now(&cfg, unblock);
    if (restore)
        return response_restore_now(&cfg, restore);
    /* the policies are part of the configuration: a broken one is refused
     * like a broken directive */
    baseline_t *policies = baseline_open(&cfg, &err);
    if (!policies) {
        fprintf(stderr, "rampart-agent: %s:%u: %s\n", err.file, err.line, err.reason);
        return 2;
    }
    if (run_baseline) {
        json_t *report = baseline_run(policies, cfg.baseline_root);
        baseline_close(policies);
        int rc = json_dumpf(report, stdout, JSON_INDENT(2)) ? 1 : 0;
        json_decref(report);
        printf("\n");
        return rc;
    }
    baseline_close(policies);
    if (check_only) {
        printf("rampart-agent: %s is valid\n", conf);
        return 0;
    }
    if (baseline_root) {
        log_set_level((log_level_t)cfg.log_level);
        uint64_t entries = 0;
        int64_t started = time_mono_ns();
        if (fim_build_baseline(&cfg, baseline_root, baseline_out, &entries)) {
            fprintf(stderr, "rampart-agent: cannot build the baseline: %s\n", strerror(errno));
            return 1;
        }
        printf("%" PRIu64 " entries in %.3f s\n", entries,
               (double)(time_mono_ns() - started) / 1e9);
        return 0;
    }
    return agent_run(&cfg) ? 1 : 0;
}
