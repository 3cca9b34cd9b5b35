/* Query parser (SPEC §7 queries file): any bytes are either a queries list or a
 * refusal with a message (ARCOS_EPARSE for text that is not JSON, ARCOS_ECONFIG for a
 * bad query), never a crash or a leak. A parsed query is sane: an id, a known type,
 * start nodes for traverse, one or more steps with 0 <= min_depth <= max_depth, limit -1 or >= 0.
 * The parse goes through arcos_query_load, the file entry point `run --queries` and `query` use. */
#include "arcos/query.h"
#include "fuzz_common.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *path = fuzz_write_file(".json", data, size);
  arcos_query_list_t list = {0};
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_query_load(path, &list, &d);
  if (rc != 0) {
    FUZZ_CHECK(rc == ARCOS_EPARSE || rc == ARCOS_ECONFIG);
    FUZZ_CHECK(d.text[0] != '\0');
    FUZZ_CHECK(list.q == NULL && list.n == 0);
    return 0;
  }
  for (size_t i = 0; i < list.n; i++) {
    const arcos_query_t *q = &list.q[i];
    FUZZ_CHECK(q->id != NULL);
    FUZZ_CHECK(q->type == ARCOS_Q_TRAVERSE || q->type == ARCOS_Q_MATCH);
    FUZZ_CHECK(q->type != ARCOS_Q_TRAVERSE || q->nstart > 0);
    for (size_t k = 0; k < q->nstart; k++)
      FUZZ_CHECK(q->start_nodes[k] != NULL);
    FUZZ_CHECK(q->nsteps >= 1 && q->steps != NULL);
    for (size_t j = 0; j < q->nsteps; j++) {
      const arcos_qstep_t *st = &q->steps[j];
      for (size_t k = 0; k < st->nrels; k++)
        FUZZ_CHECK(st->rels[k] != NULL);
      FUZZ_CHECK(st->min_depth >= 0 && st->min_depth <= st->max_depth);
      FUZZ_CHECK(st->direction >= ARCOS_DIR_OUT && st->direction <= ARCOS_DIR_BOTH);
    }
    FUZZ_CHECK(q->type == ARCOS_Q_TRAVERSE || !q->chained);
    FUZZ_CHECK(q->limit >= -1);
    FUZZ_CHECK(q->strategy >= ARCOS_STRATEGY_AUTO && q->strategy <= ARCOS_STRATEGY_FULL);
    FUZZ_CHECK(arcos_strategy_name(q->strategy) != NULL && arcos_qtype_name(q->type) != NULL);
  }
  arcos_query_list_free(&list);
  return 0;
}
