/* Deterministic fault injection; see include/arcos/fault.h. */
#include "arcos/fault.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "arcos/evidence.h"

static int parse_one(char *spec, arcos_fault_t *f, arcos_detail_t *d) {
  memset(f, 0, sizeof *f);
  f->stage = -1;
  f->rate = 1.0;
  f->kind = ARCOS_FAULT_TRANSIENT;
  char *save = NULL;
  for (char *kv = strtok_r(spec, ",", &save); kv != NULL; kv = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(kv, '=');
    if (eq == NULL)
      return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                              "--inject-fault: '%s' is not key=value", kv);
    *eq = '\0';
    const char *k = kv, *v = eq + 1;
    char *end = NULL;
    errno = 0;
    if (strcmp(k, "stage") == 0) {
      for (int s = ARCOS_STAGE_INGESTION; s <= ARCOS_STAGE_ALERT; s++)
        if (strcmp(v, arcos_stage_name(s)) == 0 ||
            (s == ARCOS_STAGE_ALERT && strcmp(v, "alert") == 0))
          f->stage = s;
      if (f->stage < 0)
        return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                                "--inject-fault: unknown stage '%s' (ingestion, analysis, "
                                "scoring, alert_generation)",
                                v);
    } else if (strcmp(k, "kind") == 0) {
      if (strcmp(v, "transient") == 0)
        f->kind = ARCOS_FAULT_TRANSIENT;
      else if (strcmp(v, "permanent") == 0)
        f->kind = ARCOS_FAULT_PERMANENT;
      else if (strcmp(v, "delay") == 0)
        f->kind = ARCOS_FAULT_DELAY;
      else
        return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                                "--inject-fault: kind must be transient, permanent or delay, "
                                "not '%s'",
                                v);
    } else if (strcmp(k, "rate") == 0) {
      f->rate = strtod(v, &end);
      if (errno != 0 || end == v || *end != '\0' || !(f->rate >= 0.0 && f->rate <= 1.0))
        return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                                "--inject-fault: rate must be in [0, 1], not '%s'", v);
    } else if (strcmp(k, "seed") == 0) {
      f->seed = strtoull(v, &end, 10);
      if (errno != 0 || end == v || *end != '\0')
        return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                                "--inject-fault: seed must be an integer, not '%s'", v);
    } else if (strcmp(k, "delay_ms") == 0) {
      f->delay_ms = strtod(v, &end);
      if (errno != 0 || end == v || *end != '\0' || !(f->delay_ms >= 0.0 && f->delay_ms <= 60000))
        return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                                "--inject-fault: delay_ms must be in [0, 60000], not '%s'", v);
    } else {
      return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                              "--inject-fault: unknown key '%s' (stage, rate, kind, seed, "
                              "delay_ms)",
                              k);
    }
  }
  if (f->stage < 0)
    return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                            "--inject-fault: stage= is required");
  if (f->kind == ARCOS_FAULT_DELAY && f->delay_ms <= 0)
    return arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                            "--inject-fault: kind=delay needs delay_ms > 0");
  return ARCOS_OK;
}

int arcos_faults_parse(const char *spec, arcos_faults_t *out, arcos_detail_t *d) {
  memset(out, 0, sizeof *out);
  if (spec == NULL || spec[0] == '\0')
    return ARCOS_OK;
  char *copy = strdup(spec);
  if (copy == NULL)
    return ARCOS_ENOMEM;
  int rc = ARCOS_OK;
  char *save = NULL;
  for (char *one = strtok_r(copy, ";", &save); one != NULL && rc == ARCOS_OK;
       one = strtok_r(NULL, ";", &save)) {
    if (out->n == ARCOS_FAULT_MAX) {
      rc = arcos_detail_set(d, ARCOS_EUSAGE, "--inject-fault", 0,
                            "--inject-fault: at most %d faults", ARCOS_FAULT_MAX);
      break;
    }
    rc = parse_one(one, &out->f[out->n], d);
    if (rc == ARCOS_OK)
      out->n++;
  }
  free(copy);
  return rc;
}

bool arcos_fault_hits(const arcos_fault_t *f, const char *id, size_t len, int attempt) {
  if (f->rate <= 0.0)
    return false;
  uint64_t a = f->kind == ARCOS_FAULT_TRANSIENT ? (uint64_t)attempt : 0;
  uint64_t seed = f->seed * 0x9E3779B97F4A7C15ull ^ ((uint64_t)f->stage << 56) ^ (a << 40);
  uint64_t h = XXH3_64bits_withSeed(id, len, seed);
  /* top 53 bits as a uniform double in [0, 1) */
  double u = (double)(h >> 11) * 0x1.0p-53;
  return u < f->rate;
}
