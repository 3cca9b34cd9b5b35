/* Graph loading and queries against a brute-force single-process reference.
 *
 * Random graphs of several shapes (tree, dense, power-law, cycles with self-loops,
 * multi-edges) are written by rank 0 as JSON Lines or as CIV-ARCOS JSON objects,
 * loaded by every rank, and every query shape runs under index_scan, full_scan and
 * auto: the sorted ids, count, truncation and scores must equal the reference. Bad
 * inputs must end in exactly the expected error records. Run alone (1 rank) as a unit
 * test and under mpirun by tests/mpi/test_graph_ranks.sh (2, 3, 4 ranks).
 *
 * usage: test_graph [ROUNDS]   (default 3 random graphs per shape) */
#include <math.h>
#include <mpi.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "arcos/graph.h"
#include "arcos/query.h"
#include "check.h"

static int rank, size;

static uint64_t rng_state;
static uint64_t rnd(void) {
  uint64_t x = rng_state;
  x ^= x << 13;
  x ^= x >> 7;
  x ^= x << 17;
  return rng_state = x;
}
static uint64_t rndn(uint64_t n) { return n ? rnd() % n : 0; }

static const char *const LABELS[] = {"Goal", "Claim", "Evidence", "Context"};
static const char *const TYPES[] = {"SUPPORTS", "REFUTES", "DERIVED_FROM", "IN_CONTEXT_OF"};

typedef struct {
  int src, dst, type;
} edge_t;

typedef struct {
  int n;
  char (*id)[24];
  int *label, *level;
  int nedges;
  edge_t *e;
} ref_graph_t;

static void make_ids(ref_graph_t *r) {
  static const char *const prefix[] = {"claim-", "ev-", "Goal_", "z", "a", "\xc3\xa9-"};
  for (int i = 0; i < r->n; i++) {
    snprintf(r->id[i], sizeof r->id[i], "%s%d", prefix[rndn(6)], i);
    r->label[i] = (int)rndn(4);
    r->level[i] = (int)rndn(3);
  }
}

static void add_edge(ref_graph_t *r, int s, int d, int t) { r->e[r->nedges++] = (edge_t){s, d, t}; }

/* shape 0 tree, 1 dense, 2 power-law, 3 cycles + self-loops + multi-edges */
static void make_graph(ref_graph_t *r, int shape) {
  r->n = shape == 1 ? 25 + (int)rndn(10) : 60 + (int)rndn(140);
  r->id = calloc((size_t)r->n, sizeof *r->id);
  r->label = calloc((size_t)r->n, sizeof *r->label);
  r->level = calloc((size_t)r->n, sizeof *r->level);
  r->e = calloc((size_t)r->n * r->n + 4 * (size_t)r->n, sizeof *r->e);
  r->nedges = 0;
  make_ids(r);
  int n = r->n;
  if (shape == 0) {
    for (int i = 1; i < n; i++)
      add_edge(r, (int)rndn((uint64_t)i), i, (int)rndn(4));
  } else if (shape == 1) {
    for (int i = 0; i < n; i++)
      for (int j = 0; j < n; j++)
        if (i != j && rndn(100) < 30)
          add_edge(r, i, j, (int)rndn(4));
  } else if (shape == 2) {
    int *deg = calloc((size_t)n, sizeof *deg);
    int total = 0;
    for (int i = 1; i < n; i++) {
      for (int k = 0; k < 2; k++) {
        int t = 0;
        if (total > 0) {
          int x = (int)rndn((uint64_t)total + (uint64_t)i), acc = 0;
          for (t = 0; t < i - 1; t++) {
            acc += deg[t] + 1;
            if (acc > x)
              break;
          }
        }
        add_edge(r, i, t, (int)rndn(4));
        deg[t]++;
        total++;
      }
    }
    free(deg);
  } else {
    for (int i = 0; i < n; i++)
      add_edge(r, i, (i + 1) % n, (int)rndn(4));
    for (int i = 0; i < n / 3; i++) {
      int a = (int)rndn((uint64_t)n);
      add_edge(r, a, a, (int)rndn(4));
    }
    for (int i = 0; i < n; i++) {
      int a = (int)rndn((uint64_t)n), b = (int)rndn((uint64_t)n), t = (int)rndn(4);
      add_edge(r, a, b, t);
      add_edge(r, a, b, t); /* a parallel edge with its own id */
    }
  }
}

static void free_graph(ref_graph_t *r) {
  free(r->id);
  free(r->label);
  free(r->level);
  free(r->e);
}

static void write_graph(const ref_graph_t *r, const char *dir, bool jsonl) {
  char p[512];
  snprintf(p, sizeof p, "%s/nodes.%s", dir, jsonl ? "jsonl" : "json");
  FILE *f = fopen(p, "w");
  if (!jsonl)
    fputs("{\n", f);
  for (int i = 0; i < r->n; i++) {
    json_t *o = json_pack("{s:s, s:s, s:{s:i, s:s}}", "id", r->id[i], "label", LABELS[r->label[i]],
                          "properties", "level", r->level[i], "status",
                          r->level[i] == 2 ? "bad" : "ok");
    char *s = json_dumps(o, JSON_COMPACT);
    if (jsonl)
      fprintf(f, "%s\n", s);
    else
      fprintf(f, "  \"%s\": %s%s\n", r->id[i], s, i + 1 < r->n ? "," : "");
    free(s);
    json_decref(o);
    if (jsonl && i % 17 == 0)
      fputs("\n", f); /* blank lines are allowed and skipped */
  }
  if (!jsonl)
    fputs("}\n", f);
  fclose(f);
  snprintf(p, sizeof p, "%s/relationships.%s", dir, jsonl ? "jsonl" : "json");
  f = fopen(p, "w");
  if (!jsonl)
    fputs("{", f);
  for (int i = 0; i < r->nedges; i++) {
    char rid[32];
    snprintf(rid, sizeof rid, "rel-%d", i);
    /* Three shapes so that both the loader's fast path (flat strings, {} or no
     * properties) and jansson (a number inside) read relationships. */
    json_t *o = json_pack("{s:s, s:s, s:s, s:s}", "id", rid, "type", TYPES[r->e[i].type],
                          "source_id", r->id[r->e[i].src], "target_id", r->id[r->e[i].dst]);
    if (i % 3 == 0)
      json_object_set_new(o, "properties", json_pack("{s:i}", "w", i));
    else if (i % 3 == 1)
      json_object_set_new(o, "properties", json_object());
    char *s = json_dumps(o, JSON_COMPACT);
    if (jsonl)
      fprintf(f, "%s\n", s);
    else
      fprintf(f, "%s\"%s\": %s", i ? ",\n" : "\n", rid, s);
    free(s);
    json_decref(o);
  }
  if (!jsonl)
    fputs("\n}\n", f);
  fclose(f);
}

/* ---- reference ---- */

static int cmp_str(const void *a, const void *b) {
  return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static bool ref_match(const ref_graph_t *r, const arcos_qstep_t *q, int v) {
  if (q->label != NULL && strcmp(q->label, LABELS[r->label[v]]) != 0)
    return false;
  if (q->properties != NULL) {
    json_t *lv = json_object_get(q->properties, "level");
    json_t *st = json_object_get(q->properties, "status");
    if (lv != NULL && (!json_is_integer(lv) || json_integer_value(lv) != r->level[v]))
      return false;
    if (st != NULL && strcmp(json_string_value(st), r->level[v] == 2 ? "bad" : "ok") != 0)
      return false;
  }
  return true;
}

static bool type_ok(const arcos_qstep_t *q, int t) {
  if (q->nrels == 0)
    return true;
  for (size_t i = 0; i < q->nrels; i++)
    if (strcmp(q->rels[i], TYPES[t]) == 0)
      return true;
  return false;
}

/* One step by relaxation over the edge list: in[i] marks the start set on entry and the
 * step's result on return. */
static void ref_step(const ref_graph_t *r, const arcos_qstep_t *q, bool *in, int *dist) {
  int n = r->n;
  for (int i = 0; i < n; i++)
    dist[i] = in[i] ? 0 : -1;
  for (int64_t d = 1; d <= q->max_depth; d++) {
    bool grew = false;
    for (int k = 0; k < r->nedges; k++) {
      const edge_t *e = &r->e[k];
      if (!type_ok(q, e->type))
        continue;
      if (q->direction != ARCOS_DIR_IN && dist[e->src] == d - 1 && dist[e->dst] < 0) {
        dist[e->dst] = (int)d;
        grew = true;
      }
      if (q->direction != ARCOS_DIR_OUT && dist[e->dst] == d - 1 && dist[e->src] < 0) {
        dist[e->src] = (int)d;
        grew = true;
      }
    }
    if (!grew)
      break;
  }
  for (int i = 0; i < n; i++)
    in[i] = dist[i] >= q->min_depth && ref_match(r, q, i);
}

/* Sorted result ids (borrowed strings) and their count. */
static size_t reference(const ref_graph_t *r, const arcos_query_t *q, const char **out) {
  int n = r->n;
  int *dist = malloc((size_t)n * sizeof *dist);
  bool *in = calloc((size_t)n, sizeof *in);
  if (q->type == ARCOS_Q_TRAVERSE) {
    for (size_t s = 0; s < q->nstart; s++)
      for (int i = 0; i < n; i++)
        if (strcmp(r->id[i], q->start_nodes[s]) == 0)
          in[i] = true;
    for (size_t k = 0; k < q->nsteps; k++)
      ref_step(r, &q->steps[k], in, dist);
  } else {
    for (int i = 0; i < n; i++)
      in[i] = ref_match(r, &q->steps[0], i);
  }
  size_t k = 0;
  for (int i = 0; i < n; i++)
    if (in[i])
      out[k++] = r->id[i];
  qsort(out, k, sizeof *out, cmp_str);
  free(dist);
  free(in);
  return k;
}

/* A query object built from parts, parsed through the real parser. */
static void random_query(const ref_graph_t *r, json_t **doc, int k) {
  json_t *o = json_object();
  char id[32];
  snprintf(id, sizeof id, "q%d", k);
  json_object_set_new(o, "id", json_string(id));
  json_t *p = json_object();
  bool traverse = rndn(5) != 0;
  json_object_set_new(o, "type", json_string(traverse ? "traverse" : "match"));
  if (traverse) {
    json_t *s = json_array();
    int ns = 1 + (int)rndn(rndn(4) == 0 ? 12 : 2);
    for (int i = 0; i < ns; i++)
      json_array_append_new(s, json_string(r->id[rndn((uint64_t)r->n)]));
    if (rndn(6) == 0)
      json_array_append_new(s, json_string("no-such-node"));
    json_object_set_new(o, "start_nodes", s);
  }
  /* A traverse is one pattern or, one time in three, a chain of 1..3 steps. */
  int nsteps = traverse && rndn(3) == 0 ? 1 + (int)rndn(3) : 0;
  json_t *steps = json_array();
  for (int j = 0; j < (nsteps > 0 ? nsteps : 1); j++) {
    if (j > 0)
      p = json_object();
    if (traverse) {
      static const int depths[] = {0, 1, 1, 2, 3, 5, 100};
      int maxd = depths[rndn(7)];
      json_object_set_new(p, "max_depth", json_integer(maxd));
      if (nsteps > 0 && rndn(2))
        json_object_set_new(p, "min_depth", json_integer((json_int_t)rndn((uint64_t)maxd + 1)));
      static const char *const dirs[] = {"out", "in", "both"};
      json_object_set_new(p, "direction", json_string(dirs[rndn(3)]));
      int rt = (int)rndn(4);
      if (rt == 1)
        json_object_set_new(p, "relationship", json_string(TYPES[rndn(4)]));
      else if (rt == 2)
        json_object_set_new(p, "relationship",
                            json_pack("[s,s]", TYPES[rndn(4)], rndn(2) ? TYPES[rndn(4)] : "NOPE"));
    }
    if (!traverse || rndn(2))
      json_object_set_new(p, "label", json_string(rndn(8) ? LABELS[rndn(4)] : "Unknown"));
    if (rndn(3) == 0)
      json_object_set_new(p, "properties",
                          rndn(2) ? json_pack("{s:i}", "level", (int)rndn(3))
                                  : json_pack("{s:s}", "status", "ok"));
    if (nsteps > 0)
      json_array_append_new(steps, p);
  }
  if (nsteps > 0)
    json_object_set_new(o, "steps", steps);
  else {
    json_object_set_new(o, "pattern", p);
    json_decref(steps);
  }
  if (rndn(3) == 0)
    json_object_set_new(o, "limit", json_integer((json_int_t)rndn(6)));
  json_object_set_new(o, "with_scores", json_boolean(rndn(2)));
  if (rndn(3) == 0)
    json_object_set_new(o, "return",
                        rndn(2) ? json_pack("[s,s]", "properties", "label")
                                : json_pack("[s]", rndn(2) ? "label" : "properties"));
  json_array_append_new(*doc, o);
}

static double ref_score(int i) { return i % 3 == 0 ? NAN : (double)((i * 37) % 101); }

static void check_shape(int shape, bool jsonl, const char *dir, int round) {
  ref_graph_t r;
  rng_state = 0x9E3779B97F4A7C15ull ^ (uint64_t)(shape * 1000 + round * 7 + 1);
  make_graph(&r, shape);
  if (rank == 0)
    write_graph(&r, dir, jsonl);
  MPI_Barrier(MPI_COMM_WORLD);
  arcos_graph_t *g = NULL;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_graph_load(MPI_COMM_WORLD, dir, &g, &d);
  CHECK_INT_EQ(rc, 0);
  if (rc != 0) {
    fprintf(stderr, "load: %s: %s\n", d.source, d.text);
    free_graph(&r);
    return;
  }
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  CHECK_INT_EQ(st->nodes, r.n);
  CHECK_INT_EQ(st->edges, r.nedges);
  CHECK_INT_EQ(st->errors, 0);

  /* Scores: each rank hands in a share of the stored evidence. */
  const char **sid = malloc((size_t)r.n * sizeof *sid);
  size_t *slen = malloc((size_t)r.n * sizeof *slen);
  double *sval = malloc((size_t)r.n * sizeof *sval);
  size_t ns = 0;
  for (int i = rank; i < r.n; i += size)
    if (!isnan(ref_score(i))) {
      sid[ns] = r.id[i];
      slen[ns] = strlen(r.id[i]);
      sval[ns++] = ref_score(i);
    }
  arcos_scores_t *scores = arcos_scores_attach(g, sid, slen, sval, ns);
  CHECK(scores != NULL);

  json_t *doc = json_array();
  for (int k = 0; k < 40; k++)
    random_query(&r, &doc, k);
  arcos_query_list_t ql;
  rc = arcos_query_parse(doc, "test", &ql, &d);
  CHECK_INT_EQ(rc, 0);
  const char **want = malloc(((size_t)r.n + 1) * sizeof *want);
  for (size_t k = 0; rc == 0 && k < ql.n; k++) {
    const arcos_query_t *q = &ql.q[k];
    size_t nw = reference(&r, q, want);
    for (int s = ARCOS_STRATEGY_AUTO; s <= ARCOS_STRATEGY_FULL; s++) {
      arcos_query_result_t res;
      rc = arcos_query_execute(g, q, scores, s, &res);
      CHECK_INT_EQ(rc, 0);
      if (rank != 0) {
        arcos_query_result_free(&res);
        continue;
      }
      size_t keep = q->limit >= 0 && (size_t)q->limit < nw ? (size_t)q->limit : nw;
      CHECK_INT_EQ(res.count, nw);
      CHECK_INT_EQ(res.truncated, keep < nw);
      CHECK_INT_EQ(res.nnodes, keep);
      bool same = res.nnodes == keep;
      for (size_t i = 0; same && i < keep; i++)
        same = strcmp(res.nodes[i], want[i]) == 0;
      CHECK(same);
      if (!same) {
        char *qs = json_dumps(json_array_get(doc, k), JSON_COMPACT);
        fprintf(stderr, "shape %d round %d %s strategy %s: %s\n", shape, round,
                jsonl ? "jsonl" : "json", arcos_strategy_name(s), qs);
        free(qs);
      }
      double mn = NAN, sum = 0;
      size_t cnt = 0;
      for (size_t i = 0; same && i < nw; i++) {
        int vi = -1;
        for (int j = 0; j < r.n && vi < 0; j++)
          if (strcmp(r.id[j], want[i]) == 0)
            vi = j;
        double sc = ref_score(vi);
        if (q->with_scores && !isnan(sc)) { /* over the whole result, before limit */
          mn = cnt == 0 || sc < mn ? sc : mn;
          sum += sc;
          cnt++;
        }
        if (i >= keep)
          continue;
        CHECK(isnan(sc) ? isnan(res.scores[i]) : res.scores[i] == sc);
        if (q->return_label)
          CHECK_STR_EQ(arcos_graph_label_name(g, res.labels[i]), LABELS[r.label[vi]]);
        if (q->return_properties) {
          char want_props[64]; /* Python's json.dumps(..., sort_keys=True) */
          snprintf(want_props, sizeof want_props, "{\"level\": %d, \"status\": \"%s\"}",
                   r.level[vi], r.level[vi] == 2 ? "bad" : "ok");
          CHECK_STR_EQ(res.props[i], want_props);
        }
      }
      CHECK(isnan(mn) ? isnan(res.score_min) : res.score_min == mn);
      CHECK(cnt == 0 ? isnan(res.score_mean) : fabs(res.score_mean - sum / (double)cnt) < 1e-9);
      CHECK_INT_EQ(
          res.plan.strategy == ARCOS_STRATEGY_INDEX || res.plan.strategy == ARCOS_STRATEGY_FULL, 1);
      if (s != ARCOS_STRATEGY_AUTO && !(q->type == ARCOS_Q_MATCH && q->steps[0].label == NULL) &&
          !q->chained)
        CHECK_INT_EQ(res.plan.strategy, s);
      json_t *line = arcos_query_result_json(q, &res);
      CHECK(line != NULL && json_object_get(line, "plan") != NULL);
      json_decref(line);
      arcos_query_result_free(&res);
    }
  }
  free(want);
  arcos_query_list_free(&ql);
  json_decref(doc);
  arcos_scores_destroy(&scores);
  free(sid);
  free(slen);
  free(sval);
  arcos_graph_destroy(&g);
  free_graph(&r);
}

/* ---- bad inputs ---- */

static void write_text(const char *dir, const char *name, const char *text) {
  char p[512];
  snprintf(p, sizeof p, "%s/%s", dir, name);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

static void check_bad_inputs(const char *dir) {
  if (rank == 0) {
    write_text(dir, "nodes.jsonl",
               "{\"id\":\"a\",\"label\":\"Claim\"}\n" /* 1 */
               "{\"id\":\"b\",\"label\":\"Evidence\",\"properties\":{\"k\":1}}\n"
               "{\"id\":\"a\",\"label\":\"Goal\"}\n"                     /* 3 duplicate */
               "{\"id\":\"c\"}\n"                                        /* 4 no label */
               "{\"id\":7,\"label\":\"Claim\"}\n"                        /* 5 wrong type */
               "not json at all\n"                                       /* 6 parse */
               "\n"                                                      /* 7 blank */
               "[1,2]\n"                                                 /* 8 not an object */
               "{\"id\":\"d\",\"label\":\"Claim\",\"properties\":[1]}\n" /* 9 */
               "{\"id\":\"e\",\"label\":\"Claim\"}");                    /* 10, no newline */
    write_text(dir, "relationships.jsonl",
               "{\"id\":\"r1\",\"type\":\"SUPPORTS\",\"source_id\":\"a\",\"target_id\":\"b\"}\n"
               "{\"id\":\"r2\",\"type\":\"SUPPORTS\",\"source_id\":\"a\",\"target_id\":\"zz\"}\n"
               "{\"id\":\"r3\",\"type\":\"SUPPORTS\",\"source_id\":\"yy\",\"target_id\":\"b\"}\n"
               "{\"id\":\"r1\",\"type\":\"REFUTES\",\"source_id\":\"b\",\"target_id\":\"a\"}\n"
               "{\"id\":\"r5\",\"source_id\":\"a\",\"target_id\":\"b\"}\n"
               "{\"id\":\"r6\",\"type\":\"SUPPORTS\",\"source_id\":\"e\",\"target_id\":\"e\"}\n"
               "{\"id\":\"r7\",\"type\":\"SUPPORTS\",\"source_id\":\"b\",\"target_id\":\"a\"}\n"
               "{\"id\":\"r8\",\"type\":3,\"source_id\":\"b\",\"target_id\":\"a\"}\n");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  arcos_graph_t *g = NULL;
  arcos_detail_t d;
  arcos_detail_clear(&d);
  int rc = arcos_graph_load(MPI_COMM_WORLD, dir, &g, &d);
  CHECK_INT_EQ(rc, 0);
  if (rc != 0)
    return;
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  CHECK_INT_EQ(st->nodes, 3); /* a, b, e */
  CHECK_INT_EQ(st->edges, 3); /* r1, r6 (self-loop), r7 */
  CHECK_INT_EQ(st->errors, 11);
  json_t *errs = arcos_graph_errors_gather(g);
  if (rank == 0) {
    static const char *const want[][3] = {
        {"nodes.jsonl", "3", "duplicate_node"},
        {"nodes.jsonl", "4", "invalid"},
        {"nodes.jsonl", "5", "invalid"},
        {"nodes.jsonl", "6", "parse"},
        {"nodes.jsonl", "8", "invalid"},
        {"nodes.jsonl", "9", "invalid"},
        {"relationships.jsonl", "2", "dangling_relationship"},
        {"relationships.jsonl", "3", "dangling_relationship"},
        {"relationships.jsonl", "4", "duplicate_relationship"},
        {"relationships.jsonl", "5", "invalid"},
        {"relationships.jsonl", "8", "invalid"},
    };
    CHECK_INT_EQ(json_array_size(errs), 11);
    for (size_t i = 0; i < json_array_size(errs) && i < 11; i++) {
      json_t *e = json_array_get(errs, i);
      char line[16];
      snprintf(line, sizeof line, "%lld",
               (long long)json_integer_value(json_object_get(e, "line")));
      CHECK_STR_EQ(json_string_value(json_object_get(e, "input")), want[i][0]);
      CHECK_STR_EQ(line, want[i][1]);
      CHECK_STR_EQ(json_string_value(json_object_get(e, "kind")), want[i][2]);
    }
  }
  json_decref(errs);
  arcos_graph_destroy(&g);

  /* JSON objects keyed by id: a duplicate key, a mismatched id, a bad member. */
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0) {
    unlink(strcat(strcpy((char[600]){0}, dir), "/nodes.jsonl"));
    unlink(strcat(strcpy((char[600]){0}, dir), "/relationships.jsonl"));
    write_text(dir, "nodes.json",
               "{\"a\": {\"label\": \"Claim\"}, \"b\": {\"id\": \"x\", \"label\": \"Claim\"},\n"
               " \"a\": {\"label\": \"Goal\"}, \"c\": {\"label\": \"Evidence\", \"properties\": "
               "{\"q\": [1]}}}");
    write_text(dir, "relationships.json",
               "{\"r1\": {\"type\": \"SUPPORTS\", \"source_id\": \"c\", \"target_id\": \"a\"},"
               " \"r2\": {\"type\": \"SUPPORTS\", \"source_id\": \"c\", \"target_id\": \"b\"}}");
  }
  MPI_Barrier(MPI_COMM_WORLD);
  rc = arcos_graph_load(MPI_COMM_WORLD, dir, &g, &d);
  CHECK_INT_EQ(rc, 0);
  if (rc == 0) {
    st = arcos_graph_stats(g);
    CHECK_INT_EQ(st->nodes, 2);
    CHECK_INT_EQ(st->edges, 1);
    CHECK_INT_EQ(st->errors, 3);
    arcos_graph_destroy(&g);
  }

  /* A truncated object file: one error record, nothing else. */
  MPI_Barrier(MPI_COMM_WORLD);
  if (rank == 0)
    write_text(dir, "nodes.json", "{\"a\": {\"label\": \"Claim\"}, \"b\": {\"label\": ");
  MPI_Barrier(MPI_COMM_WORLD);
  rc = arcos_graph_load(MPI_COMM_WORLD, dir, &g, &d);
  CHECK_INT_EQ(rc, 0);
  if (rc == 0) {
    CHECK_INT_EQ(arcos_graph_stats(g)->nodes, 1);
    CHECK(arcos_graph_stats(g)->errors >= 2); /* b, then the dangling r1/r2 */
    arcos_graph_destroy(&g);
  }

  /* No graph at all: the same clear error on every rank. */
  arcos_detail_clear(&d);
  char missing[600];
  snprintf(missing, sizeof missing, "%s/none", dir);
  rc = arcos_graph_load(MPI_COMM_WORLD, missing, &g, &d);
  CHECK_INT_EQ(rc, ARCOS_ENOENT);
  CHECK(g == NULL && strstr(d.text, "nodes.jsonl") != NULL);
}

/* ---- parser and planner ---- */

static void check_parser(void) {
  static const char *const bad[] = {
      "{}",
      "[{\"type\": \"match\", \"pattern\": {}}]",
      "[{\"id\": \"q\", \"type\": \"walk\"}]",
      "[{\"id\": \"q\", \"type\": \"traverse\", \"pattern\": {}}]",
      "[{\"id\": \"q\", \"type\": \"traverse\", \"start_nodes\": []}]",
      "[{\"id\": \"q\", \"type\": \"traverse\", \"start_nodes\": [\"a\"], \"pattern\": "
      "{\"direction\": \"up\"}}]",
      "[{\"id\": \"q\", \"type\": \"traverse\", \"start_nodes\": [\"a\"], \"pattern\": "
      "{\"max_depth\": -1}}]",
      "[{\"id\": \"q\", \"type\": \"traverse\", \"start_nodes\": [\"a\"], \"strategy\": \"fast\"}]",
      "[{\"id\": \"q\", \"type\": \"match\", \"pattern\": {\"label\": 3}}]",
      "[{\"id\": \"q\", \"type\": \"match\", \"pattern\": {}, \"limit\": 1.5}]",
      "[{\"id\": \"q\", \"type\": \"match\", \"pattern\": {}}, {\"id\": \"q\", \"type\": "
      "\"match\", \"pattern\": {}}]",
      "[{\"id\": \"q\", \"type\": \"match\", \"pattern\": {}, \"colour\": 1}]",
      "[{\"id\": \"q\", \"type\": \"match\", \"pattern\": {\"relationship\": \"X\"}}]",
  };
  for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
    json_t *doc = json_loads(bad[i], 0, NULL);
    arcos_query_list_t l;
    arcos_detail_t d;
    arcos_detail_clear(&d);
    CHECK_INT_EQ(arcos_query_parse(doc, "queries.json", &l, &d), ARCOS_ECONFIG);
    CHECK(d.text[0] != '\0');
    json_decref(doc);
  }
  json_t *doc = json_loads(
      "[{\"id\": \"q1\", \"type\": \"traverse\", \"start_nodes\": [\"claim-7\"], \"pattern\": "
      "{\"relationship\": \"SUPPORTS\", \"direction\": \"in\", \"label\": \"Evidence\", "
      "\"properties\": {\"k\": \"v\"}, \"max_depth\": 3}, \"limit\": 10, \"strategy\": "
      "\"full_scan\", \"with_scores\": true},"
      " {\"id\": \"q2\", \"type\": \"match\", \"pattern\": {\"label\": \"Claim\"}}]",
      0, NULL);
  arcos_query_list_t l;
  arcos_detail_t d;
  CHECK_INT_EQ(arcos_query_parse(doc, "queries.json", &l, &d), 0);
  CHECK_INT_EQ(l.n, 2);
  if (l.n == 2) {
    CHECK_STR_EQ(l.q[0].id, "q1");
    CHECK_INT_EQ(l.q[0].steps[0].nrels, 1);
    CHECK_INT_EQ(l.q[0].steps[0].direction, ARCOS_DIR_IN);
    CHECK_INT_EQ(l.q[0].steps[0].max_depth, 3);
    CHECK_INT_EQ(l.q[0].limit, 10);
    CHECK_INT_EQ(l.q[0].strategy, ARCOS_STRATEGY_FULL);
    CHECK_INT_EQ(l.q[0].with_scores, 1);
    CHECK_INT_EQ(l.q[1].steps[0].max_depth, 1);
    CHECK_INT_EQ(l.q[1].limit, -1);
    CHECK_INT_EQ(l.q[1].steps[0].direction, ARCOS_DIR_OUT);
  }
  arcos_query_list_free(&l);
  json_decref(doc);
}

/* The seed's semantic cases: an index alone does not force index_scan; estimates and
 * actual work are both reported. A dense graph with many start nodes goes bottom-up,
 * one start node at depth 1 top-down. */
static void check_planner(const char *dir) {
  ref_graph_t r;
  rng_state = 42;
  r.n = 30;
  r.id = calloc(30, sizeof *r.id);
  r.label = calloc(30, sizeof *r.label);
  r.level = calloc(30, sizeof *r.level);
  r.e = calloc(30 * 30, sizeof *r.e);
  r.nedges = 0;
  make_ids(&r);
  for (int i = 0; i < 30; i++)
    for (int j = 0; j < 30; j++)
      if (i != j)
        add_edge(&r, i, j, 0);
  if (rank == 0)
    write_graph(&r, dir, true);
  MPI_Barrier(MPI_COMM_WORLD);
  arcos_graph_t *g = NULL;
  arcos_detail_t d;
  CHECK_INT_EQ(arcos_graph_load(MPI_COMM_WORLD, dir, &g, &d), 0);
  if (g == NULL)
    return;
  json_t *doc = json_array();
  json_t *many = json_array();
  for (int i = 0; i < 20; i++)
    json_array_append_new(many, json_string(r.id[i]));
  json_array_append_new(doc, json_pack("{s:s, s:s, s:o, s:{s:i}}", "id", "wide", "type", "traverse",
                                       "start_nodes", many, "pattern", "max_depth", 3));
  json_array_append_new(doc,
                        json_pack("{s:s, s:s, s:[s], s:{s:i}}", "id", "narrow", "type", "traverse",
                                  "start_nodes", r.id[0], "pattern", "max_depth", 0));
  arcos_query_list_t l;
  CHECK_INT_EQ(arcos_query_parse(doc, "t", &l, &d), 0);
  arcos_qplan_t p;
  arcos_query_plan(g, &l.q[0], &p);
  CHECK_INT_EQ(p.strategy, ARCOS_STRATEGY_FULL);
  CHECK(p.estimated_nodes > 0 && p.estimated_edges > 0 && p.reason[0] != '\0');
  arcos_query_plan(g, &l.q[1], &p);
  CHECK_INT_EQ(p.strategy, ARCOS_STRATEGY_INDEX);
  arcos_query_result_t res;
  CHECK_INT_EQ(arcos_query_execute(g, &l.q[0], NULL, -1, &res), 0);
  CHECK_INT_EQ(res.count, 30);
  CHECK(res.plan.actual_nodes > 0 && res.plan.actual_edges > 0);
  CHECK(res.memory_usage > 0 && res.query_time >= 0);
  arcos_query_result_free(&res);
  arcos_query_list_free(&l);
  json_decref(doc);
  arcos_graph_destroy(&g);
  free_graph(&r);
}

int main(int argc, char **argv) {
  MPI_Init(&argc, &argv);
  MPI_Comm_rank(MPI_COMM_WORLD, &rank);
  MPI_Comm_size(MPI_COMM_WORLD, &size);
  int rounds = argc > 1 ? atoi(argv[1]) : 3;
  char dir[512] = "";
  if (rank == 0) {
    const char *tmp = getenv("ARCOS_TMP");
    if (tmp != NULL) {
      mkdir(tmp, 0775);
      snprintf(dir, sizeof dir, "%s/graph-np%d-XXXXXX", tmp, size);
    } else {
      snprintf(dir, sizeof dir, "/tmp/arcos-graph-XXXXXX");
    }
    if (mkdtemp(dir) == NULL)
      dir[0] = '\0';
  }
  MPI_Bcast(dir, sizeof dir, MPI_CHAR, 0, MPI_COMM_WORLD);
  if (dir[0] == '\0') {
    MPI_Finalize();
    return 77;
  }
  if (rank == 0)
    check_parser();
  for (int round = 0; round < rounds; round++)
    for (int shape = 0; shape < 4; shape++) {
      char sub[600];
      snprintf(sub, sizeof sub, "%s/s%d-r%d", dir, shape, round);
      if (rank == 0)
        mkdir(sub, 0775);
      check_shape(shape, (shape + round) % 2 == 0, sub, round);
    }
  char sub[600];
  snprintf(sub, sizeof sub, "%s/bad", dir);
  if (rank == 0)
    mkdir(sub, 0775);
  check_bad_inputs(sub);
  snprintf(sub, sizeof sub, "%s/plan", dir);
  if (rank == 0)
    mkdir(sub, 0775);
  check_planner(sub);
  int failed = check_failures, all = 0;
  MPI_Allreduce(&failed, &all, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD);
  if (rank == 0)
    fprintf(stderr, "test_graph: %d ranks, %d rounds\n", size, rounds);
  int code = CHECK_DONE();
  MPI_Finalize();
  return all == 0 && code == 0 ? 0 : 1;
}
