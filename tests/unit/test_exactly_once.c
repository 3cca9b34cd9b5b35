/* Exactly-once of the run layer (src/run/exactly_once.c) built alone on MPI_COMM_SELF:
 * a records store and a plan, no job. The first occurrence in global order (partition,
 * then sequence) is stored whatever the order of the items in the store; each
 * duplicate learns where its first occurrence is; the figures add up over calls. */
#include <mpi.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/cache.h"
#include "check.h"
#include "run/exactly_once.h"
#include "run/records.h"

typedef struct {
  const char *id;
  uint32_t part, seq;
  uint64_t line;
} spec_t;

/* Partitions 0 and 1 are of input 0, partition 2 of input 1. Listed out of order. */
static const spec_t specs[] = {
    {"b", 2, 0, 1},  /* duplicate of b at 0:1 */
    {"a", 0, 0, 1},  /* stored */
    {"c", 1, 0, 11}, /* stored */
    {"a", 1, 1, 12}, /* duplicate of a at 0:0 */
    {"b", 0, 1, 2},  /* stored */
    {"d", 2, 1, 2},  /* stored */
    {"a", 2, 2, 3},  /* duplicate of a at 0:0 */
    {"e", 2, 4, 5},  /* duplicate of e at 2:3 (input 1) */
    {"e", 2, 3, 4},  /* stored */
};
#define NSPEC (sizeof specs / sizeof specs[0])

static void fill(arcos_records_t *rec) {
  CHECK_INT_EQ(arcos_records_init(rec), ARCOS_OK);
  for (size_t i = 0; i < NSPEC; i++) {
    item_t *it = arcos_records_new_item(rec);
    CHECK(it != NULL);
    memset(it, 0, sizeof *it);
    it->part = specs[i].part;
    it->seq = specs[i].seq;
    it->line = specs[i].line;
    it->id = specs[i].id;
    it->id_len = (uint32_t)strlen(specs[i].id);
    it->status = ITEM_STORED;
    rec->nitems++;
  }
}

static void test_decisions(void) {
  arcos_partition_t parts[3] = {{.input = 0}, {.input = 0}, {.input = 1}};
  arcos_plan_t plan;
  memset(&plan, 0, sizeof plan);
  plan.parts = parts;
  plan.nparts = 3;
  arcos_cache_options_t co = {.nodes = 3, .vnodes = 64, .replication = 1};
  arcos_cache_t *cache = arcos_cache_create(MPI_COMM_SELF, &co);
  CHECK(cache != NULL);
  arcos_records_t rec;
  fill(&rec);
  arcos_eo_figures_t fig;
  memset(&fig, 0, sizeof fig);
  CHECK_INT_EQ(arcos_exactly_once(MPI_COMM_SELF, cache, &rec, &plan, NULL, NULL, &fig), ARCOS_OK);
  static const int dup[NSPEC] = {1, 0, 0, 1, 0, 0, 1, 1, 0};
  static const uint32_t first_input[NSPEC] = {0, 0, 0, 0, 0, 0, 0, 1, 0};
  static const uint64_t first_line[NSPEC] = {2, 0, 0, 1, 0, 0, 1, 4, 0};
  for (size_t i = 0; i < NSPEC; i++) {
    const item_t *it = &rec.items[i];
    CHECK_INT_EQ(it->status, dup[i] ? ITEM_DUPLICATE : ITEM_STORED);
    if (dup[i]) {
      CHECK_INT_EQ(it->first_run, 0); /* this run, not a --previous one */
      CHECK_INT_EQ(it->first_input, first_input[i]);
      CHECK_INT_EQ(it->first_line, first_line[i]);
    }
  }
  CHECK_INT_EQ(fig.rounds, 1);
  CHECK_INT_EQ(fig.unavailable, 0);
  /* The same items again, in rounds of two: the same answers; the figures add up. */
  arcos_seen_opts_t o = {.round_items = 2, .fail_node = -1};
  for (size_t i = 0; i < NSPEC; i++)
    rec.items[i].status = ITEM_STORED;
  CHECK_INT_EQ(arcos_exactly_once(MPI_COMM_SELF, cache, &rec, &plan, NULL, &o, &fig), ARCOS_OK);
  for (size_t i = 0; i < NSPEC; i++)
    CHECK_INT_EQ(rec.items[i].status, dup[i] ? ITEM_DUPLICATE : ITEM_STORED);
  CHECK(fig.rounds > 2);
  CHECK(fig.comm_s >= 0.0 && fig.busy_s >= 0.0);
  arcos_records_free(&rec);
  arcos_cache_destroy(&cache);
}

/* The exchange's options from the configuration: rounds, and the node failure only
 * when exactly-once runs on the cache. */
static void test_opts(void) {
  arcos_config_t cfg;
  arcos_config_init(&cfg);
  cfg.cache_round_items = 0;
  cfg.fail_cache_node = -1;
  arcos_seen_opts_t o = arcos_eo_opts(&cfg);
  CHECK_INT_EQ(o.round_items, 65536);
  CHECK_INT_EQ(o.fail_node, -1);
  cfg.fail_cache_node = 1;
  cfg.fail_at = 0.5;
  cfg.exactly_once_cache = false;
  CHECK_INT_EQ(arcos_eo_opts(&cfg).fail_node, -1);
  cfg.exactly_once_cache = true;
  o = arcos_eo_opts(&cfg);
  CHECK_INT_EQ(o.fail_node, 1);
  CHECK(o.fail_at == 0.5);
  CHECK_INT_EQ(o.round_items, 4096); /* smaller rounds: the failure lands between two */
  cfg.cache_round_items = 100;
  CHECK_INT_EQ(arcos_eo_opts(&cfg).round_items, 100);
  arcos_config_free(&cfg);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  test_opts();
  test_decisions();
  MPI_Finalize();
  return CHECK_DONE();
}
