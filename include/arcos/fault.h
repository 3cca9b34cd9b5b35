/* Deterministic fault injection for tests (`--inject-fault`): a stage fails, or is
 * slowed, for a record chosen by a hash of (seed, stage, record id, attempt), so the
 * same records fail on every run and rank count, and a test can compute which ones.
 *
 * Spec: "stage=analysis,rate=0.02,kind=transient,seed=7[,delay_ms=5]"; several specs
 * are separated by ';'. kind: transient (fails at each attempt independently with
 * probability rate), permanent (a chosen record fails at every attempt), delay (a
 * chosen record's stage takes delay_ms longer; nothing fails). */
#ifndef ARCOS_FAULT_H
#define ARCOS_FAULT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arcos/error.h"

typedef enum {
  ARCOS_FAULT_TRANSIENT = 0,
  ARCOS_FAULT_PERMANENT,
  ARCOS_FAULT_DELAY
} arcos_fault_kind_t;

typedef struct {
  int stage; /* arcos_stage_t: ingestion, analysis, scoring, alert_generation */
  int kind;  /* arcos_fault_kind_t */
  double rate;
  uint64_t seed;
  double delay_ms;
} arcos_fault_t;

#define ARCOS_FAULT_MAX 8

typedef struct {
  arcos_fault_t f[ARCOS_FAULT_MAX];
  int n;
} arcos_faults_t;

/* Parse a spec string (see above). Returns 0 or ARCOS_EUSAGE with detail. */
int arcos_faults_parse(const char *spec, arcos_faults_t *out, arcos_detail_t *detail);

/* Is record `id` chosen by fault f at this attempt (1-based)? Permanent and delay
 * faults ignore the attempt. */
bool arcos_fault_hits(const arcos_fault_t *f, const char *id, size_t len, int attempt);

#endif
