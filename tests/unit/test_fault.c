/* Fault injection: spec parsing, determinism, rates, attempt independence. */
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/fault.h"
#include "check.h"

int main(void) {
  arcos_faults_t fs;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  CHECK_INT_EQ(arcos_faults_parse("stage=analysis,rate=0.25,kind=transient,seed=7;"
                                  "stage=scoring,kind=permanent,rate=0.1;"
                                  "stage=ingestion,kind=delay,delay_ms=2",
                                  &fs, &d),
               0);
  CHECK_INT_EQ(fs.n, 3);
  CHECK_INT_EQ(fs.f[0].stage, ARCOS_STAGE_ANALYSIS);
  CHECK_INT_EQ(fs.f[0].kind, ARCOS_FAULT_TRANSIENT);
  CHECK_INT_EQ(fs.f[0].seed, 7);
  CHECK_INT_EQ(fs.f[1].kind, ARCOS_FAULT_PERMANENT);
  CHECK_INT_EQ(fs.f[2].kind, ARCOS_FAULT_DELAY);
  const char *bad[] = {"rate=0.1",
                       "stage=nowhere",
                       "stage=analysis,rate=2",
                       "stage=analysis,kind=sometimes",
                       "stage=analysis,colour=red",
                       "stage=analysis,kind=delay",
                       "stage=analysis,rate"};
  for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
    arcos_detail_clear(&d);
    CHECK_INT_EQ(arcos_faults_parse(bad[i], &fs, &d), ARCOS_EUSAGE);
    CHECK(strstr(d.text, "--inject-fault") != NULL);
  }
  arcos_faults_parse(
      "stage=analysis,rate=0.25,seed=3;stage=analysis,rate=0.25,seed=3,kind=permanent", &fs, &d);
  int hits1 = 0, hits_both = 0, perm_same = 1, total = 20000;
  char id[32];
  for (int i = 0; i < total; i++) {
    int n = snprintf(id, sizeof id, "ev-%d", i);
    bool a1 = arcos_fault_hits(&fs.f[0], id, (size_t)n, 1);
    bool a2 = arcos_fault_hits(&fs.f[0], id, (size_t)n, 2);
    CHECK(a1 == arcos_fault_hits(&fs.f[0], id, (size_t)n, 1)); /* deterministic */
    hits1 += a1;
    hits_both += a1 && a2;
    if (arcos_fault_hits(&fs.f[1], id, (size_t)n, 1) !=
        arcos_fault_hits(&fs.f[1], id, (size_t)n, 5))
      perm_same = 0;
  }
  /* rate 0.25 over 20000 ids: 5000 expected, sd ~61; attempts independent: ~1250 both */
  CHECK(hits1 > 4700 && hits1 < 5300);
  CHECK(hits_both > 1050 && hits_both < 1450);
  CHECK(perm_same);
  return CHECK_DONE();
}
