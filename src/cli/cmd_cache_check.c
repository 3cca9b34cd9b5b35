/* arcos-scale cache-check: how evenly the ring spreads keys over N cache nodes, and how
 * many keys move when one node leaves or one joins (ideal: 1/N and 1/(N+1)). Runs on
 * one process; no MPI needed. */
#include <math.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/ring.h"
#include "arcos/util.h"
#include "cli_options.h"
#include "commands.h"

static void usage(FILE *out) {
  fputs("usage: arcos-scale cache-check --nodes N --keys K [--vnodes V] [--leave NODE] [--json]\n"
        "\n"
        "Places keys \"ev-000001\", \"ev-000002\", ... on a consistent-hash ring of N logical\n"
        "cache nodes and prints the key distribution (min, max, largest deviation from the\n"
        "mean) and the fraction of keys that change owner when one node leaves (default the\n"
        "last, NODE = N-1) and when one node joins (N+1 nodes), against the ideal 1/N.\n"
        "\n",
        out);
  arcos_cli_cache_check_t defaults;
  arcos_cli_cache_check_defaults(&defaults);
  arcos_opts_print_help(&arcos_cli_cache_check_options, &defaults, out);
  fprintf(out, "  %-30s %s\n", "--help", "this text");
}

static int parse(int argc, char **argv, arcos_cli_cache_check_t *o, int *help) {
  bool h = false;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  arcos_cli_cache_check_defaults(o);
  int rc = arcos_cli_cache_check_parse(o, argc, argv, &h, &d);
  *help = h;
  if (rc != ARCOS_OK)
    fprintf(stderr, "arcos-scale cache-check: %s\n", d.text);
  return rc == ARCOS_OK ? 0 : -1;
}

int arcos_cmd_cache_check(int argc, char **argv) {
  arcos_cli_cache_check_t o;
  int help;
  if (parse(argc, argv, &o, &help) != 0) {
    fputs("(see arcos-scale cache-check --help)\n", stderr);
    return 2;
  }
  if (help) {
    usage(stdout);
    return 0;
  }
  int n = (int)o.nodes, rc = 1;
  int *ids = malloc((size_t)n * sizeof *ids);
  long *count = calloc((size_t)n, sizeof *count);
  arcos_ring_t *full = arcos_ring_create(n, (int)o.vnodes);
  arcos_ring_t *joined = arcos_ring_create(n + 1, (int)o.vnodes);
  arcos_ring_t *left = NULL;
  if (ids != NULL) {
    int m = 0;
    for (int k = 0; k < n; k++)
      if (k != (long)o.leave)
        ids[m++] = k;
    left = arcos_ring_create_subset(ids, m, (int)o.vnodes);
  }
  if (ids == NULL || count == NULL || full == NULL || joined == NULL || left == NULL) {
    fprintf(stderr, "arcos-scale cache-check: out of memory\n");
    goto done;
  }

  double t0 = arcos_now();
  long moved_leave = 0, moved_leave_other = 0, moved_join = 0, moved_join_other = 0;
  char key[32];
  for (long i = 0; i < o.keys; i++) {
    int len = snprintf(key, sizeof key, "ev-%06ld", i + 1);
    uint64_t h = arcos_hash64(key, (size_t)len);
    int a = arcos_ring_owner(full, h);
    count[a]++;
    int b = arcos_ring_owner(left, h);
    if (a != b) {
      moved_leave++;
      moved_leave_other += a != (long)o.leave; /* should never happen */
    }
    int c = arcos_ring_owner(joined, h);
    if (a != c) {
      moved_join++;
      moved_join_other += c != n; /* a key may only move to the new node */
    }
  }
  double dt = arcos_now() - t0;

  double mean = (double)o.keys / n, worst = 0;
  long mn = count[0], mx = count[0];
  for (int k = 0; k < n; k++) {
    if (count[k] < mn)
      mn = count[k];
    if (count[k] > mx)
      mx = count[k];
    double dev = fabs((double)count[k] - mean) / mean;
    if (dev > worst)
      worst = dev;
  }
  double f_leave = (double)moved_leave / (double)o.keys;
  double f_join = (double)moved_join / (double)o.keys;
  double ideal_leave = 1.0 / n, ideal_join = 1.0 / (n + 1);
  int vn = arcos_ring_vnodes(full);

  if (o.json) {
    printf("{\"nodes\": %d, \"vnodes\": %d, \"keys\": %ld, \"min\": %ld, \"max\": %ld, "
           "\"mean\": %.1f, \"max_deviation\": %.6f, \"per_node\": [",
           n, vn, (long)o.keys, mn, mx, mean, worst);
    for (int k = 0; k < n; k++)
      printf("%s%ld", k ? ", " : "", count[k]);
    printf("], \"leave\": {\"node\": %ld, \"moved\": %.6f, \"ideal\": %.6f, "
           "\"moved_between_others\": %ld}, \"join\": {\"node\": %d, \"moved\": %.6f, "
           "\"ideal\": %.6f, \"moved_between_others\": %ld}, \"seconds\": %.3f}\n",
           (long)o.leave, f_leave, ideal_leave, moved_leave_other, n, f_join, ideal_join,
           moved_join_other, dt);
  } else {
    printf("cache-check: %d nodes, %d vnodes each, %ld keys (\"ev-000001\" ...)\n", n, vn,
           (long)o.keys);
    printf("keys per node: min %ld, max %ld, mean %.1f, max deviation from the mean %.2f %%\n", mn,
           mx, mean, 100 * worst);
    for (int k = 0; k < n && n <= 64; k++)
      printf("  node %3d: %9ld  (%+.2f %%)\n", k, count[k], 100 * ((double)count[k] - mean) / mean);
    printf("node %ld leaves: %.2f %% of the keys move (ideal 1/N = %.2f %%, ratio %.3f), "
           "%ld moved between other nodes\n",
           (long)o.leave, 100 * f_leave, 100 * ideal_leave, f_leave / ideal_leave,
           moved_leave_other);
    printf("node %d joins:  %.2f %% of the keys move (ideal 1/(N+1) = %.2f %%, ratio %.3f), "
           "%ld moved between other nodes\n",
           n, 100 * f_join, 100 * ideal_join, f_join / ideal_join, moved_join_other);
    printf("(%.2f s for %ld keys on three rings)\n", dt, (long)o.keys);
  }
  rc = 0;

done:
  arcos_ring_destroy(&full);
  arcos_ring_destroy(&joined);
  arcos_ring_destroy(&left);
  free(count);
  free(ids);
  return rc;
}
