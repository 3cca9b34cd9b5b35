/* Graph queries: parse, plan, execute (include/arcos/query.h, docs/graph.md). */
#include "arcos/query.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/util.h"
#include "graph/graph_internal.h"

/* Cost weights, in units of one random adjacency access with a visited check (a
 * top-down edge). A bottom-up edge is a bit test in a bitmap scanned in order, a
 * bottom-up vertex a visited-bit test in order; both are cheaper per element. */
#define W_TD_EDGE 1.0
#define W_TD_NODE 1.0
#define W_BU_EDGE 0.5
#define W_BU_NODE 0.25
#define W_IX_NODE 1.0
#define W_FS_NODE 0.25
/* Direction-optimizing switches (Beamer et al., SC'12): go bottom-up when the
 * frontier's edges exceed the unexplored edges / ALPHA; back top-down when the
 * frontier holds fewer than N / BETA vertices. */
#define ALPHA 14.0
#define BETA 24.0

const char *arcos_strategy_name(int s) {
  return s == ARCOS_STRATEGY_INDEX ? "index_scan" : s == ARCOS_STRATEGY_FULL ? "full_scan" : "auto";
}
const char *arcos_qtype_name(int t) { return t == ARCOS_Q_MATCH ? "match" : "traverse"; }
static const char *dir_name(int d) {
  return d == ARCOS_DIR_IN ? "in" : d == ARCOS_DIR_BOTH ? "both" : "out";
}

/* ---- parsing ---- */

static void query_free(arcos_query_t *q) {
  free(q->id);
  for (size_t i = 0; i < q->nstart; i++)
    free(q->start_nodes[i]);
  free(q->start_nodes);
  for (size_t i = 0; i < q->nrels; i++)
    free(q->rels[i]);
  free(q->rels);
  free(q->label);
  json_decref(q->properties);
  memset(q, 0, sizeof *q);
}

void arcos_query_list_free(arcos_query_list_t *list) {
  for (size_t i = 0; i < list->n; i++)
    query_free(&list->q[i]);
  free(list->q);
  list->q = NULL;
  list->n = 0;
}

#define QERR(...) arcos_detail_set(d, ARCOS_ECONFIG, source, (int64_t)pos, __VA_ARGS__)

static int str_list(json_t *v, char ***out, size_t *n) {
  size_t k = json_is_array(v) ? json_array_size(v) : 1;
  char **s = calloc(k + 1, sizeof *s);
  if (s == NULL)
    return ARCOS_ENOMEM;
  for (size_t i = 0; i < k; i++) {
    json_t *e = json_is_array(v) ? json_array_get(v, i) : v;
    if (!json_is_string(e) || json_string_length(e) == 0) {
      for (size_t j = 0; j < i; j++)
        free(s[j]);
      free(s);
      return ARCOS_EINVALID;
    }
    s[i] = strdup(json_string_value(e));
  }
  *out = s;
  *n = k;
  return ARCOS_OK;
}

static int parse_one(json_t *o, const char *source, size_t pos, arcos_query_t *q,
                     arcos_detail_t *d) {
  memset(q, 0, sizeof *q);
  q->max_depth = 1;
  q->limit = -1;
  if (!json_is_object(o))
    return QERR("query %zu: expected an object", pos);
  static const char *const known[] = {"id",    "type",     "start_nodes", "pattern",
                                      "limit", "strategy", "with_scores"};
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    bool ok = false;
    for (size_t k = 0; k < sizeof known / sizeof *known; k++)
      ok = ok || strcmp(key, known[k]) == 0;
    if (!ok)
      return QERR("query %zu: unknown field \"%s\"", pos, key);
  }
  v = json_object_get(o, "id");
  if (!json_is_string(v) || json_string_length(v) == 0)
    return QERR("query %zu: \"id\" must be a non-empty string", pos);
  q->id = strdup(json_string_value(v));
  const char *qid = q->id;
  v = json_object_get(o, "type");
  if (!json_is_string(v))
    return QERR("query %zu (%s): \"type\" must be \"traverse\" or \"match\"", pos, qid);
  if (strcmp(json_string_value(v), "traverse") == 0)
    q->type = ARCOS_Q_TRAVERSE;
  else if (strcmp(json_string_value(v), "match") == 0)
    q->type = ARCOS_Q_MATCH;
  else
    return QERR("query %zu (%s): \"type\" must be \"traverse\" or \"match\", got \"%s\"", pos, qid,
                json_string_value(v));
  v = json_object_get(o, "start_nodes");
  if (q->type == ARCOS_Q_TRAVERSE) {
    if (!json_is_array(v) || json_array_size(v) == 0 ||
        str_list(v, &q->start_nodes, &q->nstart) != ARCOS_OK)
      return QERR("query %zu (%s): traverse needs \"start_nodes\": a non-empty array of ids", pos,
                  qid);
  } else if (v != NULL) {
    return QERR("query %zu (%s): \"start_nodes\" belongs to traverse queries", pos, qid);
  }
  json_t *p = json_object_get(o, "pattern");
  if (p != NULL && !json_is_object(p))
    return QERR("query %zu (%s): \"pattern\" must be an object", pos, qid);
  if (p == NULL && q->type == ARCOS_Q_MATCH)
    return QERR("query %zu (%s): match needs a \"pattern\"", pos, qid);
  if (p != NULL) {
    static const char *const pk[] = {"relationship", "direction", "label", "properties",
                                     "max_depth"};
    json_object_foreach(p, key, v) {
      bool ok = false;
      for (size_t k = 0; k < sizeof pk / sizeof *pk; k++)
        ok = ok || strcmp(key, pk[k]) == 0;
      if (!ok)
        return QERR("query %zu (%s): unknown pattern field \"%s\"", pos, qid, key);
    }
    v = json_object_get(p, "relationship");
    if (v != NULL) {
      if (q->type == ARCOS_Q_MATCH)
        return QERR("query %zu (%s): \"relationship\" belongs to traverse queries", pos, qid);
      if ((!json_is_string(v) && !json_is_array(v)) ||
          (json_is_array(v) && json_array_size(v) == 0) ||
          str_list(v, &q->rels, &q->nrels) != ARCOS_OK)
        return QERR("query %zu (%s): \"relationship\" must be a type or a non-empty array of "
                    "types",
                    pos, qid);
    }
    v = json_object_get(p, "direction");
    if (v != NULL) {
      const char *s = json_string_value(v);
      if (s != NULL && strcmp(s, "out") == 0)
        q->direction = ARCOS_DIR_OUT;
      else if (s != NULL && strcmp(s, "in") == 0)
        q->direction = ARCOS_DIR_IN;
      else if (s != NULL && strcmp(s, "both") == 0)
        q->direction = ARCOS_DIR_BOTH;
      else
        return QERR("query %zu (%s): \"direction\" must be \"out\", \"in\" or \"both\"", pos, qid);
    }
    v = json_object_get(p, "label");
    if (v != NULL) {
      if (!json_is_string(v) || json_string_length(v) == 0)
        return QERR("query %zu (%s): \"label\" must be a non-empty string", pos, qid);
      q->label = strdup(json_string_value(v));
    }
    v = json_object_get(p, "properties");
    if (v != NULL) {
      if (!json_is_object(v))
        return QERR("query %zu (%s): \"properties\" must be an object", pos, qid);
      if (json_object_size(v) > 0)
        q->properties = json_deep_copy(v);
    }
    v = json_object_get(p, "max_depth");
    if (v != NULL) {
      if (q->type == ARCOS_Q_MATCH)
        return QERR("query %zu (%s): \"max_depth\" belongs to traverse queries", pos, qid);
      if (!json_is_integer(v) || json_integer_value(v) < 0)
        return QERR("query %zu (%s): \"max_depth\" must be an integer >= 0", pos, qid);
      q->max_depth = json_integer_value(v);
    }
  }
  v = json_object_get(o, "limit");
  if (v != NULL && !json_is_null(v)) {
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      return QERR("query %zu (%s): \"limit\" must be an integer >= 0", pos, qid);
    q->limit = json_integer_value(v);
  }
  v = json_object_get(o, "strategy");
  if (v != NULL) {
    const char *s = json_string_value(v);
    if (s != NULL && strcmp(s, "auto") == 0)
      q->strategy = ARCOS_STRATEGY_AUTO;
    else if (s != NULL && strcmp(s, "index_scan") == 0)
      q->strategy = ARCOS_STRATEGY_INDEX;
    else if (s != NULL && strcmp(s, "full_scan") == 0)
      q->strategy = ARCOS_STRATEGY_FULL;
    else
      return QERR("query %zu (%s): \"strategy\" must be \"auto\", \"index_scan\" or \"full_scan\"",
                  pos, qid);
  }
  v = json_object_get(o, "with_scores");
  if (v != NULL) {
    if (!json_is_boolean(v))
      return QERR("query %zu (%s): \"with_scores\" must be true or false", pos, qid);
    q->with_scores = json_is_true(v);
  }
  return ARCOS_OK;
}

int arcos_query_parse(const json_t *doc, const char *source, arcos_query_list_t *list,
                      arcos_detail_t *d) {
  list->q = NULL;
  list->n = 0;
  size_t pos = 0;
  if (!json_is_array(doc))
    return QERR("expected a JSON array of query objects");
  size_t n = json_array_size(doc);
  arcos_query_t *q = calloc(n + 1, sizeof *q);
  if (q == NULL)
    return ARCOS_ENOMEM;
  int rc = ARCOS_OK;
  size_t done = 0;
  for (size_t i = 0; i < n && rc == ARCOS_OK; i++) {
    pos = i + 1;
    rc = parse_one(json_array_get(doc, i), source, pos, &q[i], d);
    done = i + 1;
    for (size_t j = 0; rc == ARCOS_OK && j < i; j++)
      if (strcmp(q[j].id, q[i].id) == 0)
        rc = QERR("query %zu: id \"%s\" is used twice (first by query %zu)", pos, q[i].id, j + 1);
  }
  if (rc != ARCOS_OK) {
    for (size_t i = 0; i < done; i++)
      query_free(&q[i]);
    free(q);
    return rc;
  }
  list->q = q;
  list->n = n;
  return ARCOS_OK;
}

int arcos_query_load(const char *path, arcos_query_list_t *list, arcos_detail_t *d) {
  json_error_t je;
  json_t *doc = json_load_file(path, 0, &je);
  if (doc == NULL) {
    if (je.position == 0 && je.line <= 0)
      return arcos_detail_set(d, errno == ENOENT ? ARCOS_ENOENT : ARCOS_EIO, path, 0,
                              "cannot read the queries file: %s", je.text);
    return arcos_detail_set(d, ARCOS_EPARSE, path, je.line,
                            "not valid JSON at line %d, column %d: %s", je.line, je.column,
                            je.text);
  }
  int rc = arcos_query_parse(doc, path, list, d);
  json_decref(doc);
  return rc;
}

/* ---- planning ---- */

/* allowed[t] for every type; returns the global edges of the allowed types. */
static uint64_t allowed_types(const arcos_graph_t *g, const arcos_query_t *q, bool *allowed) {
  int T = arcos_graph_type_count(g);
  uint64_t e = 0;
  for (int t = 0; t < T; t++) {
    allowed[t] = q->nrels == 0;
    for (size_t i = 0; i < q->nrels && !allowed[t]; i++)
      allowed[t] = strcmp(arcos_graph_type_name(g, t), q->rels[i]) == 0;
    if (allowed[t])
      e += arcos_graph_type_edges(g, t);
  }
  return e;
}

/* Degrees of the start nodes this rank owns: {found, all edges, allowed edges} in the
 * query's direction(s). */
static void start_degrees(const arcos_graph_t *g, const arcos_query_t *q, const bool *allowed,
                          double out[3]) {
  MPI_Comm comm = arcos_graph_comm(g);
  int rank;
  MPI_Comm_rank(comm, &rank);
  double loc[3] = {0, 0, 0};
  for (size_t i = 0; i < q->nstart; i++) {
    size_t len = strlen(q->start_nodes[i]);
    if (arcos_graph_owner_of(g, q->start_nodes[i], len) != rank)
      continue;
    bool repeat = false;
    for (size_t j = 0; j < i && j < 1000 && !repeat; j++)
      repeat = strcmp(q->start_nodes[i], q->start_nodes[j]) == 0;
    int64_t v = repeat ? -1 : arcos_graph_local_find(g, q->start_nodes[i], len);
    if (v < 0)
      continue;
    loc[0]++;
    for (int side = 0; side < 2; side++) {
      if ((side == 0 && q->direction == ARCOS_DIR_IN) ||
          (side == 1 && q->direction == ARCOS_DIR_OUT))
        continue;
      arcos_graph_adj_t a = side == 0 ? arcos_graph_out(g, (uint32_t)v)
                                      : arcos_graph_in(g, (uint32_t)v);
      loc[1] += (double)a.count;
      for (uint64_t e = 0; e < a.count; e++)
        loc[2] += allowed == NULL || allowed[a.type[e]];
    }
  }
  MPI_Allreduce(loc, out, 3, MPI_DOUBLE, MPI_SUM, comm);
}

/* Top-down: the first level is exact (the start nodes' own degrees, one allreduce);
 * later levels grow by the mean degree over the allowed types, capped by the graph.
 * Bottom-up: every level examines each vertex and, on average, half its edges. */
static void plan_traverse(const arcos_graph_t *g, const arcos_query_t *q, arcos_qplan_t *p) {
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  int T = arcos_graph_type_count(g);
  bool *allowed = calloc((size_t)T + 1, sizeof *allowed);
  double N = (double)st->nodes;
  double E = allowed != NULL ? (double)allowed_types(g, q, allowed) : (double)st->edges;
  double Eall = (double)st->edges;
  double sd[3];
  start_degrees(g, q, allowed, sd);
  free(allowed);
  if (q->direction == ARCOS_DIR_BOTH) {
    E *= 2;
    Eall *= 2;
  }
  double dbar = N > 0 ? E / N : 0, dall = N > 0 ? Eall / N : 0;
  double s = sd[0];
  double f = s, reach = s, expanded = 0, examined = 0;
  int64_t levels = 0;
  for (int64_t k = 1; k <= q->max_depth && reach < N && f >= 0.5; k++) {
    expanded += f;
    examined += k == 1 ? sd[1] : f * dall;
    double nf = k == 1 ? sd[2] : f * dbar;
    if (nf > N - reach)
      nf = N - reach;
    reach += nf;
    f = nf;
    levels++;
  }
  if (levels == 0 && q->max_depth > 0)
    levels = 1; /* one level to find that nothing is reachable */
  double td_nodes = expanded > 0 ? expanded : s, td_edges = examined;
  double bu_nodes = (double)levels * N, bu_edges = (double)levels * Eall * 0.5;
  double td_cost = W_TD_NODE * td_nodes + W_TD_EDGE * td_edges;
  double bu_cost = W_BU_NODE * bu_nodes + W_BU_EDGE * bu_edges + s;
  int forced = q->strategy;
  bool index = forced == ARCOS_STRATEGY_INDEX ||
               (forced == ARCOS_STRATEGY_AUTO && td_cost <= bu_cost);
  p->strategy = index ? ARCOS_STRATEGY_INDEX : ARCOS_STRATEGY_FULL;
  p->estimated_nodes = index ? td_nodes : bu_nodes;
  p->estimated_edges = index ? td_edges : bu_edges;
  p->alt_nodes = index ? bu_nodes : td_nodes;
  p->alt_edges = index ? bu_edges : td_edges;
  p->cost = index ? td_cost : bu_cost;
  p->alt_cost = index ? bu_cost : td_cost;
  if (q->max_depth == 0)
    snprintf(p->reason, sizeof p->reason, "max_depth 0: only the start nodes are examined");
  else if (forced != ARCOS_STRATEGY_AUTO)
    snprintf(p->reason, sizeof p->reason,
             "forced by the query; cost %.0f against %.0f for %s (%.0f nodes, %.2f edges per "
             "node over the allowed types)",
             p->cost, p->alt_cost, arcos_strategy_name(index ? 2 : 1), N, dbar);
  else
    snprintf(p->reason, sizeof p->reason,
             "%s is cheaper: top-down from %.0f start node(s) with %.0f matching edges expands "
             "about %.0f of %.0f nodes in %" PRId64 " level(s) at %.2f allowed edges per node "
             "(cost %.0f); a bottom-up scan of every node per level costs %.0f; levels may "
             "switch direction when the frontier grows or shrinks",
             index ? "index_scan" : "full_scan", s, sd[2], td_nodes, N, levels, dbar, td_cost,
             bu_cost);
}

static void plan_match(const arcos_graph_t *g, const arcos_query_t *q, arcos_qplan_t *p) {
  double N = (double)arcos_graph_stats(g)->nodes;
  int l = q->label != NULL ? arcos_graph_label_find(g, q->label) : -1;
  double L = l >= 0 ? (double)arcos_graph_label_nodes(g, l) : 0;
  bool have_index = q->label != NULL;
  double ix_cost = W_IX_NODE * L, fs_cost = W_FS_NODE * N + W_IX_NODE * (have_index ? L : N);
  bool index = have_index && (q->strategy == ARCOS_STRATEGY_INDEX ||
                              (q->strategy == ARCOS_STRATEGY_AUTO && ix_cost <= fs_cost));
  p->strategy = index ? ARCOS_STRATEGY_INDEX : ARCOS_STRATEGY_FULL;
  p->estimated_nodes = index ? L : N;
  p->estimated_edges = 0;
  p->alt_nodes = have_index ? (index ? N : L) : 0;
  p->alt_edges = 0;
  p->cost = index ? ix_cost : fs_cost;
  p->alt_cost = have_index ? (index ? fs_cost : ix_cost) : 0;
  if (!have_index)
    snprintf(p->reason, sizeof p->reason,
             "no label in the pattern, so no index applies: every node is examined%s",
             q->strategy == ARCOS_STRATEGY_INDEX ? " (index_scan was asked for)" : "");
  else if (q->strategy != ARCOS_STRATEGY_AUTO)
    snprintf(p->reason, sizeof p->reason,
             "forced by the query; label \"%s\" holds %.0f of %.0f nodes", q->label, L, N);
  else
    snprintf(p->reason, sizeof p->reason,
             "label \"%s\" holds %.0f of %.0f nodes: the label index examines only those (cost "
             "%.0f) where a scan reads every node (cost %.0f)",
             q->label, L, N, ix_cost, fs_cost);
}

void arcos_query_plan(const arcos_graph_t *g, const arcos_query_t *q, arcos_qplan_t *p) {
  memset(p, 0, sizeof *p);
  if (q->type == ARCOS_Q_MATCH)
    plan_match(g, q, p);
  else
    plan_traverse(g, q, p);
}

/* ---- scores ---- */

struct arcos_scores {
  double *score; /* per local vertex, NaN when none */
  uint32_t n;
};

arcos_scores_t *arcos_scores_attach(const arcos_graph_t *g, const char *const *ids,
                                    const size_t *lens, const double *scores, size_t n) {
  MPI_Comm comm = arcos_graph_comm(g);
  int rank, P;
  MPI_Comm_rank(comm, &rank);
  MPI_Comm_size(comm, &P);
  arcos_scores_t *s = calloc(1, sizeof *s);
  uint32_t nl = arcos_graph_local_count(g);
  if (s != NULL)
    s->score = malloc(((size_t)nl + 1) * sizeof *s->score);
  arcos_buf_t *send = calloc((size_t)P, sizeof *send);
  int *cnt = calloc((size_t)P * 4, sizeof(int));
  int rc = (s && s->score && send && cnt) ? ARCOS_OK : ARCOS_ENOMEM;
  for (size_t i = 0; rc == ARCOS_OK && i < n; i++) {
    arcos_buf_t *b = &send[arcos_graph_owner_of(g, ids[i], lens[i])];
    uint32_t len = (uint32_t)lens[i];
    if (arcos_buf_append(b, &len, sizeof len) || arcos_buf_append(b, ids[i], lens[i]) ||
        arcos_buf_append(b, &scores[i], sizeof scores[i]))
      rc = ARCOS_ENOMEM;
  }
  arcos_buf_t flat = {0}, recv = {0};
  int all = rc;
  MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, comm);
  if (all == ARCOS_OK) {
    int *sd = cnt + P, *rcn = cnt + 2 * P, *rd = cnt + 3 * P;
    size_t tot = 0, rtot = 0;
    for (int q = 0; q < P; q++) {
      cnt[q] = (int)send[q].len;
      sd[q] = (int)tot;
      tot += send[q].len;
      if (arcos_buf_append(&flat, send[q].data, send[q].len))
        rc = ARCOS_ENOMEM;
    }
    MPI_Alltoall(cnt, 1, MPI_INT, rcn, 1, MPI_INT, comm);
    for (int q = 0; q < P; q++) {
      rd[q] = (int)rtot;
      rtot += (size_t)rcn[q];
    }
    if (arcos_buf_reserve(&recv, rtot + 1))
      rc = ARCOS_ENOMEM;
    MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, comm);
    if (all == ARCOS_OK) {
      MPI_Alltoallv(flat.data, cnt, sd, MPI_BYTE, recv.data, rcn, rd, MPI_BYTE, comm);
      recv.len = rtot;
      s->n = nl;
      for (uint32_t v = 0; v < nl; v++)
        s->score[v] = NAN;
      size_t off = 0;
      while (off + sizeof(uint32_t) <= recv.len) {
        uint32_t len;
        memcpy(&len, recv.data + off, sizeof len);
        off += sizeof len;
        const char *id = recv.data + off;
        off += len;
        double sc;
        memcpy(&sc, recv.data + off, sizeof sc);
        off += sizeof sc;
        int64_t v = arcos_graph_local_find(g, id, len);
        if (v >= 0)
          s->score[v] = sc;
      }
    }
  }
  arcos_buf_free(&flat);
  arcos_buf_free(&recv);
  for (int q = 0; send != NULL && q < P; q++)
    arcos_buf_free(&send[q]);
  free(send);
  free(cnt);
  if (all != ARCOS_OK)
    arcos_scores_destroy(&s);
  return s;
}

void arcos_scores_destroy(arcos_scores_t **sp) {
  if (sp == NULL || *sp == NULL)
    return;
  free((*sp)->score);
  free(*sp);
  *sp = NULL;
}

/* ---- execution ---- */

typedef struct {
  const arcos_graph_t *g;
  MPI_Comm comm;
  int rank, size;
  uint32_t n;
  uint64_t base;
  uint64_t nodes, edges; /* work on this rank */
  size_t mem, peak;      /* working bytes now and at most */
} exec_t;

static void mem_add(exec_t *x, size_t bytes) {
  x->mem += bytes;
  if (x->mem > x->peak)
    x->peak = x->mem;
}

static inline bool bit_get(const uint64_t *w, uint64_t i) { return (w[i >> 6] >> (i & 63)) & 1; }
static inline void bit_set(uint64_t *w, uint64_t i) { w[i >> 6] |= (uint64_t)1 << (i & 63); }

static bool matches(const arcos_graph_t *g, const arcos_query_t *q, int label, uint32_t v) {
  if (q->label != NULL && arcos_graph_local_label(g, v) != label)
    return false;
  if (q->properties == NULL)
    return true;
  const json_t *props = arcos_graph_local_properties(g, v);
  if (props == NULL)
    return false;
  const char *k;
  json_t *want;
  json_object_foreach(q->properties, k, want) {
    json_t *have = json_object_get(props, k);
    if (have == NULL || !json_equal(have, want))
      return false;
  }
  return true;
}

/* Top-down level: expand cur, send remote neighbours to their owners. */
static int level_top_down(exec_t *x, const arcos_query_t *q, const bool *allowed, uint64_t *visited,
                          const uint32_t *cur, size_t ncur, uint32_t *next, size_t *nnext,
                          arcos_buf_t *send, arcos_buf_t *recv, int *cnt, uint64_t *sent) {
  const arcos_graph_t *g = x->g;
  size_t nn = 0;
  int rc = ARCOS_OK;
  const uint64_t base = x->base, n = x->n;
  uint64_t examined = 0;
  for (int side = 0; side < 2 && rc == ARCOS_OK; side++) {
    if ((side == 0 && q->direction == ARCOS_DIR_IN) || (side == 1 && q->direction == ARCOS_DIR_OUT))
      continue;
    const uint64_t *off = side == 0 ? g->out_off : g->in_off;
    const uint64_t *nbr = side == 0 ? g->out_nbr : g->in_nbr;
    const uint32_t *type = side == 0 ? g->out_type : g->in_type;
    for (size_t i = 0; i < ncur && rc == ARCOS_OK; i++) {
      uint32_t v = cur[i];
      uint64_t e0 = off[v], e1 = off[v + 1];
      examined += e1 - e0;
      for (uint64_t e = e0; e < e1; e++) {
        if (allowed != NULL && !allowed[type[e]])
          continue;
        uint64_t u = nbr[e];
        if (u - base < n) { /* unsigned: also false for u < base */
          uint64_t l = u - base;
          if (!bit_get(visited, l)) {
            bit_set(visited, l);
            next[nn++] = (uint32_t)l;
          }
        } else if (sent != NULL && bit_get(sent, u)) {
          continue; /* already on its way to the owner this level */
        } else if (arcos_buf_append(&send[arcos_graph_gid_owner(g, u)], &u, sizeof u)) {
          rc = ARCOS_ENOMEM; /* still take part in the exchange below */
          break;
        } else if (sent != NULL) {
          bit_set(sent, u);
        }
      }
    }
  }
  x->nodes += ncur;
  x->edges += examined;
  int P = x->size;
  int *sc = cnt, *sd = cnt + P, *rcn = cnt + 2 * P, *rd = cnt + 3 * P;
  arcos_buf_t flat = {0};
  size_t tot = 0, rtot = 0;
  for (int p = 0; p < P; p++) {
    sc[p] = (int)send[p].len;
    sd[p] = (int)tot;
    tot += send[p].len;
  }
  if (arcos_buf_reserve(&flat, tot + 8))
    rc = ARCOS_ENOMEM;
  for (int p = 0; rc == ARCOS_OK && p < P; p++)
    arcos_buf_append(&flat, send[p].data, send[p].len);
  MPI_Alltoall(sc, 1, MPI_INT, rcn, 1, MPI_INT, x->comm);
  for (int p = 0; p < P; p++) {
    rd[p] = (int)rtot;
    rtot += (size_t)rcn[p];
  }
  arcos_buf_reset(recv);
  if (arcos_buf_reserve(recv, rtot + 8))
    rc = ARCOS_ENOMEM;
  int all = rc;
  MPI_Allreduce(&rc, &all, 1, MPI_INT, MPI_MIN, x->comm);
  if (all == ARCOS_OK) {
    MPI_Alltoallv(flat.data, sc, sd, MPI_BYTE, recv->data, rcn, rd, MPI_BYTE, x->comm);
    mem_add(x, flat.cap + recv->cap);
    x->mem -= flat.cap + recv->cap;
    for (size_t off = 0; off + 8 <= rtot; off += 8) {
      uint64_t u;
      memcpy(&u, recv->data + off, sizeof u);
      uint64_t l = u - x->base;
      if (!bit_get(visited, l)) {
        bit_set(visited, l);
        next[nn++] = (uint32_t)l;
      }
    }
  }
  arcos_buf_free(&flat);
  for (int p = 0; p < P; p++) {
    for (size_t off = 0; sent != NULL && off + 8 <= send[p].len; off += 8) {
      uint64_t u;
      memcpy(&u, send[p].data + off, sizeof u);
      sent[u >> 6] = 0; /* clear the word: only bits set this level live there */
    }
    arcos_buf_reset(&send[p]);
  }
  *nnext = nn;
  return all;
}

/* Bottom-up level: every unvisited vertex looks for a parent in the global frontier. */
static void level_bottom_up(exec_t *x, const arcos_query_t *q, const bool *allowed,
                            uint64_t *visited, const uint32_t *cur, size_t ncur, uint32_t *next,
                            size_t *nnext, uint64_t *front_local, uint64_t *front_global,
                            int *cnt) {
  const arcos_graph_t *g = x->g;
  size_t lw = arcos_graph_bitmap_words(g);
  memset(front_local, 0, lw * sizeof *front_local);
  for (size_t i = 0; i < ncur; i++)
    bit_set(front_local, cur[i]);
  int P = x->size;
  int *rc = cnt, *rd = cnt + P;
  for (int p = 0; p < P; p++) {
    rd[p] = (int)(arcos_graph_gid_base(g, p) / 64);
    rc[p] = (int)((arcos_graph_gid_base(g, p + 1) - arcos_graph_gid_base(g, p)) / 64);
  }
  MPI_Allgatherv(front_local, (int)lw, MPI_UINT64_T, front_global, rc, rd, MPI_UINT64_T, x->comm);
  /* Out-traversal reaches v through an in-edge of v; in-traversal through an out-edge.
   * Whole words of visited vertices are skipped at once. */
  size_t nn = 0;
  uint64_t checked = 0, examined = 0;
  const bool use_in = q->direction != ARCOS_DIR_IN, use_out = q->direction != ARCOS_DIR_OUT;
  const uint32_t n = x->n;
  for (uint32_t w0 = 0; w0 < n; w0 += 64) {
    uint64_t word = visited[w0 >> 6];
    if (word == UINT64_MAX)
      continue;
    uint32_t wend = n - w0 < 64 ? n - w0 : 64;
    for (uint32_t b = 0; b < wend; b++) {
      if ((word >> b) & 1)
        continue;
      uint32_t v = w0 + b;
      checked++;
      bool found = false;
      for (int side = 0; side < 2 && !found; side++) {
        if ((side == 0 && !use_in) || (side == 1 && !use_out))
          continue;
        const uint64_t *off = side == 0 ? g->in_off : g->out_off;
        const uint64_t *nbr = side == 0 ? g->in_nbr : g->out_nbr;
        const uint32_t *type = side == 0 ? g->in_type : g->out_type;
        /* The whole list counts as examined, whether or not the scan stops early: where
         * it stops depends on the neighbours' gids, which depend on the rank count, and
         * the plan's actual_edges must not (SPEC §6). */
        examined += off[v + 1] - off[v];
        for (uint64_t e = off[v], e1 = off[v + 1]; e < e1; e++) {
          if ((allowed == NULL || allowed[type[e]]) && bit_get(front_global, nbr[e])) {
            found = true;
            break;
          }
        }
      }
      if (found)
        next[nn++] = v;
    }
  }
  x->nodes += checked;
  x->edges += examined;
  for (size_t i = 0; i < nn; i++)
    bit_set(visited, next[i]);
  *nnext = nn;
}

static uint64_t frontier_degree(const arcos_graph_t *g, const arcos_query_t *q, const uint32_t *f,
                                size_t n) {
  uint64_t d = 0;
  for (size_t i = 0; i < n; i++) {
    if (q->direction != ARCOS_DIR_IN)
      d += arcos_graph_out(g, f[i]).count;
    if (q->direction != ARCOS_DIR_OUT)
      d += arcos_graph_in(g, f[i]).count;
  }
  return d;
}

/* Traverse: fills `hit` (visited bitmap of local vertices). Returns an agreed code. */
static int run_traverse(exec_t *x, const arcos_query_t *q, arcos_qplan_t *plan, uint64_t *visited) {
  const arcos_graph_t *g = x->g;
  int T = arcos_graph_type_count(g), P = x->size;
  size_t lw = arcos_graph_bitmap_words(g), gw = arcos_graph_global_words(g);
  bool *allowed = calloc((size_t)T + 1, sizeof *allowed);
  uint32_t *cur = malloc(((size_t)x->n + 1) * sizeof *cur);
  uint32_t *next = malloc(((size_t)x->n + 1) * sizeof *next);
  arcos_buf_t *send = calloc((size_t)P, sizeof *send);
  arcos_buf_t recv = {0};
  int *cnt = calloc((size_t)P * 4, sizeof(int));
  uint64_t *front_local = NULL, *front_global = NULL;
  /* Remote targets already sent this level (multi-rank only): one bit per gid. */
  uint64_t *sent = P > 1 ? calloc(gw + 1, sizeof *sent) : NULL;
  int rc = (allowed && cur && next && send && cnt && (P == 1 || sent)) ? ARCOS_OK : ARCOS_ENOMEM;
  mem_add(x, (T + 1) * sizeof *allowed + 2 * ((size_t)x->n + 1) * sizeof *cur +
                 (P > 1 ? (gw + 1) * sizeof *sent : 0));
  bool all_types = true;
  if (rc == ARCOS_OK) {
    allowed_types(g, q, allowed);
    for (int t = 0; t < T; t++)
      all_types = all_types && allowed[t];
  }
  size_t ncur = 0, nnext = 0;
  for (size_t i = 0; rc == ARCOS_OK && i < q->nstart; i++) {
    size_t len = strlen(q->start_nodes[i]);
    if (arcos_graph_owner_of(g, q->start_nodes[i], len) != x->rank)
      continue;
    int64_t v = arcos_graph_local_find(g, q->start_nodes[i], len);
    if (v >= 0 && !bit_get(visited, (uint64_t)v)) {
      bit_set(visited, (uint64_t)v);
      cur[ncur++] = (uint32_t)v;
    }
  }
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  double N = (double)st->nodes;
  uint64_t loc[2] = {ncur, frontier_degree(g, q, cur, ncur)}, glob[2];
  MPI_Allreduce(loc, glob, 2, MPI_UINT64_T, MPI_SUM, x->comm);
  MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MIN, x->comm);
  double m_u = (double)st->edges * (q->direction == ARCOS_DIR_BOTH ? 2 : 1) - (double)glob[1];
  bool bottom_up = plan->strategy == ARCOS_STRATEGY_FULL;
  size_t nlev = 0;
  for (int64_t depth = 1; rc == ARCOS_OK && depth <= q->max_depth && glob[0] > 0; depth++) {
    if (q->strategy == ARCOS_STRATEGY_AUTO && depth > 1) {
      double n_f = (double)glob[0], m_f = (double)glob[1];
      if (!bottom_up && m_f > m_u / ALPHA)
        bottom_up = true;
      else if (bottom_up && n_f < N / BETA)
        bottom_up = false;
    }
    if (nlev + 1 < sizeof plan->levels)
      plan->levels[nlev++] = bottom_up ? 'B' : 'T';
    if (bottom_up) {
      if (front_local == NULL) {
        front_local = calloc(lw + 1, sizeof *front_local);
        front_global = calloc(gw + 1, sizeof *front_global);
        mem_add(x, (lw + gw + 2) * sizeof(uint64_t));
      }
      int ok = front_local && front_global ? ARCOS_OK : ARCOS_ENOMEM;
      MPI_Allreduce(MPI_IN_PLACE, &ok, 1, MPI_INT, MPI_MIN, x->comm);
      if (ok != ARCOS_OK) {
        rc = ok;
        break;
      }
      level_bottom_up(x, q, all_types ? NULL : allowed, visited, cur, ncur, next, &nnext,
                      front_local, front_global, cnt);
    } else {
      size_t before = 0;
      for (int p = 0; p < P; p++)
        before += send[p].cap;
      rc = level_top_down(x, q, all_types ? NULL : allowed, visited, cur, ncur, next, &nnext, send,
                          &recv, cnt, sent);
      size_t after = 0;
      for (int p = 0; p < P; p++)
        after += send[p].cap;
      mem_add(x, after - before);
    }
    uint32_t *t = cur;
    cur = next;
    next = t;
    ncur = nnext;
    loc[0] = ncur;
    loc[1] = frontier_degree(g, q, cur, ncur);
    MPI_Allreduce(loc, glob, 2, MPI_UINT64_T, MPI_SUM, x->comm);
    m_u -= (double)glob[1];
  }
  free(allowed);
  free(cur);
  free(next);
  for (int p = 0; send != NULL && p < P; p++)
    arcos_buf_free(&send[p]);
  free(send);
  arcos_buf_free(&recv);
  free(cnt);
  free(front_local);
  free(front_global);
  free(sent);
  return rc;
}

static int cmp_idstr(const void *a, const void *b) {
  const char *x = *(const char *const *)a, *y = *(const char *const *)b;
  uint32_t lx, ly;
  memcpy(&lx, x - 4, 4);
  memcpy(&ly, y - 4, 4);
  int c = memcmp(x, y, lx < ly ? lx : ly);
  if (c != 0)
    return c;
  return lx < ly ? -1 : lx > ly;
}

int arcos_query_execute(const arcos_graph_t *g, const arcos_query_t *q,
                        const arcos_scores_t *scores, int strategy_override,
                        arcos_query_result_t *res) {
  double t0 = arcos_now();
  memset(res, 0, sizeof *res);
  res->score_min = res->score_mean = NAN;
  arcos_query_t qq = *q;
  if (strategy_override >= 0)
    qq.strategy = (arcos_strategy_t)strategy_override;
  q = &qq;
  exec_t x = {.g = g, .comm = arcos_graph_comm(g), .n = arcos_graph_local_count(g)};
  MPI_Comm_rank(x.comm, &x.rank);
  MPI_Comm_size(x.comm, &x.size);
  x.base = arcos_graph_gid_base(g, x.rank);
  arcos_query_plan(g, q, &res->plan);
  int label = q->label != NULL ? arcos_graph_label_find(g, q->label) : -1;

  /* The local result: ascending local vertices are ascending ids. */
  uint32_t *hits = malloc(((size_t)x.n + 1) * sizeof *hits);
  uint64_t *visited = calloc(arcos_graph_bitmap_words(g) + 1, sizeof *visited);
  mem_add(&x, ((size_t)x.n + 1) * sizeof *hits + (arcos_graph_bitmap_words(g) + 1) * 8);
  int rc = hits && visited ? ARCOS_OK : ARCOS_ENOMEM;
  MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MIN, x.comm);
  size_t nhits = 0;
  uint64_t reached_edges = 0;
  if (rc == ARCOS_OK && q->type == ARCOS_Q_TRAVERSE) {
    rc = run_traverse(&x, q, &res->plan, visited);
    for (uint32_t v = 0; rc == ARCOS_OK && v < x.n; v++) {
      if (!bit_get(visited, v))
        continue;
      reached_edges += arcos_graph_out(g, v).count;
      if (matches(g, q, label, v))
        hits[nhits++] = v;
    }
  } else if (rc == ARCOS_OK) {
    if (res->plan.strategy == ARCOS_STRATEGY_INDEX) {
      if (label >= 0) {
        uint32_t cnt;
        const uint32_t *ix = arcos_graph_label_index(g, label, &cnt);
        for (uint32_t i = 0; i < cnt; i++) {
          x.nodes++;
          if (matches(g, q, label, ix[i]))
            hits[nhits++] = ix[i];
        }
      }
    } else if (q->label == NULL || label >= 0) {
      for (uint32_t v = 0; v < x.n; v++) {
        x.nodes++;
        if (matches(g, q, label, v))
          hits[nhits++] = v;
      }
    }
  }

  /* Gather at most `limit` ids per rank (the global first `limit` are among them). */
  size_t send_n = q->limit >= 0 && (uint64_t)q->limit < nhits ? (size_t)q->limit : nhits;
  arcos_buf_t pack = {0};
  for (size_t i = 0; rc == ARCOS_OK && i < send_n; i++) {
    const char *id = arcos_graph_local_id(g, hits[i]);
    uint32_t len = (uint32_t)strlen(id);
    double sc = scores != NULL ? scores->score[hits[i]] : NAN;
    if (arcos_buf_append(&pack, &len, 4) || arcos_buf_append(&pack, id, len) ||
        arcos_buf_append(&pack, &sc, sizeof sc))
      rc = ARCOS_ENOMEM;
  }
  mem_add(&x, pack.cap);
  MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MIN, x.comm);
  uint64_t work[4] = {nhits, x.nodes, x.edges, reached_edges}, gwork[4];
  MPI_Allreduce(work, gwork, 4, MPI_UINT64_T, MPI_SUM, x.comm);
  res->reached_edges = gwork[3];
  res->count = gwork[0];
  res->plan.actual_nodes = res->nodes_visited = gwork[1];
  res->plan.actual_edges = res->edges_traversed = gwork[2];
  res->truncated = q->limit >= 0 && res->count > (uint64_t)q->limit;
  int P = x.size;
  int *cnt = calloc((size_t)P * 2 + 2, sizeof(int));
  int len = (int)pack.len;
  if (rc == ARCOS_OK)
    MPI_Gather(&len, 1, MPI_INT, cnt, 1, MPI_INT, 0, x.comm);
  char *all = NULL;
  size_t total = 0;
  if (rc == ARCOS_OK && x.rank == 0) {
    for (int p = 0; p < P; p++) {
      cnt[P + p] = (int)total;
      total += (size_t)cnt[p];
    }
    all = malloc(total + 1);
    mem_add(&x, total + 1);
  }
  if (rc == ARCOS_OK)
    MPI_Gatherv(pack.data, len, MPI_BYTE, all, cnt, cnt + P, MPI_BYTE, 0, x.comm);
  arcos_buf_free(&pack);
  free(cnt);
  if (rc == ARCOS_OK && x.rank == 0) {
    size_t k = 0;
    for (size_t off = 0; off < total; k++) {
      uint32_t l;
      memcpy(&l, all + off, 4);
      off += 4 + l + sizeof(double);
    }
    char **ptr = malloc((k + 1) * sizeof *ptr);
    k = 0;
    for (size_t off = 0; ptr != NULL && off < total; k++) {
      uint32_t l;
      memcpy(&l, all + off, 4);
      ptr[k] = all + off + 4;
      off += 4 + l + sizeof(double);
    }
    if (ptr != NULL) {
      if (k > 1)
        qsort(ptr, k, sizeof *ptr, cmp_idstr);
      size_t keep = q->limit >= 0 && (uint64_t)q->limit < k ? (size_t)q->limit : k;
      res->nodes = calloc(keep + 1, sizeof *res->nodes);
      res->scores = calloc(keep + 1, sizeof *res->scores);
      double sum = 0;
      size_t ns = 0;
      for (size_t i = 0; res->nodes && res->scores && i < keep; i++) {
        uint32_t l;
        memcpy(&l, ptr[i] - 4, 4);
        res->nodes[i] = strndup(ptr[i], l);
        memcpy(&res->scores[i], ptr[i] + l, sizeof(double));
        if (!isnan(res->scores[i])) {
          if (ns == 0 || res->scores[i] < res->score_min)
            res->score_min = res->scores[i];
          sum += res->scores[i];
          ns++;
        }
        res->nnodes = i + 1;
      }
      if (ns > 0)
        res->score_mean = sum / (double)ns;
      mem_add(&x, (k + 1) * sizeof *ptr);
      free(ptr);
    }
  }
  free(all);
  free(hits);
  free(visited);
  uint64_t peak = x.peak;
  MPI_Allreduce(&peak, &res->memory_usage, 1, MPI_UINT64_T, MPI_SUM, x.comm);
  double dt = arcos_now() - t0;
  MPI_Allreduce(&dt, &res->query_time, 1, MPI_DOUBLE, MPI_MAX, x.comm);
  return rc;
}

void arcos_query_result_free(arcos_query_result_t *res) {
  for (size_t i = 0; i < res->nnodes; i++)
    free(res->nodes[i]);
  free(res->nodes);
  free(res->scores);
  res->nodes = NULL;
  res->scores = NULL;
  res->nnodes = 0;
}

/* ---- output ---- */

static json_t *number(double v) {
  if (isnan(v))
    return json_null();
  if (v == floor(v) && fabs(v) < 9e15)
    return json_integer((json_int_t)v);
  return json_real(v);
}

json_t *arcos_qplan_json(const arcos_qplan_t *p) {
  json_t *o = json_object();
  json_object_set_new(o, "strategy", json_string(arcos_strategy_name(p->strategy)));
  json_object_set_new(o, "estimated_nodes", number(round(p->estimated_nodes)));
  json_object_set_new(o, "estimated_edges", number(round(p->estimated_edges)));
  json_object_set_new(o, "actual_nodes", json_integer((json_int_t)p->actual_nodes));
  json_object_set_new(o, "actual_edges", json_integer((json_int_t)p->actual_edges));
  json_object_set_new(o, "reason", json_string(p->reason));
  json_t *lv = json_array();
  for (size_t i = 0; p->levels[i] != '\0'; i++)
    json_array_append_new(lv, json_string(p->levels[i] == 'B' ? "bottom_up" : "top_down"));
  json_object_set_new(o, "levels", lv);
  return o;
}

json_t *arcos_query_result_json(const arcos_query_t *q, const arcos_query_result_t *r) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(q->id));
  json_object_set_new(o, "type", json_string(arcos_qtype_name(q->type)));
  json_object_set_new(o, "count", json_integer((json_int_t)r->count));
  json_object_set_new(o, "truncated", json_boolean(r->truncated));
  json_t *nodes = json_array();
  for (size_t i = 0; i < r->nnodes; i++)
    json_array_append_new(nodes, json_string(r->nodes[i]));
  json_object_set_new(o, "nodes", nodes);
  if (q->with_scores) {
    json_t *sc = json_object();
    for (size_t i = 0; i < r->nnodes; i++)
      json_object_set_new(sc, r->nodes[i], number(r->scores[i]));
    json_object_set_new(o, "scores", sc);
    json_object_set_new(o, "score_min", number(r->score_min));
    json_object_set_new(o, "score_mean",
                        isnan(r->score_mean) ? json_null() : json_real(r->score_mean));
  }
  json_object_set_new(o, "plan", arcos_qplan_json(&r->plan));
  json_t *pm = json_object();
  json_object_set_new(pm, "query_time", json_real(r->query_time));
  json_object_set_new(pm, "nodes_visited", json_integer((json_int_t)r->nodes_visited));
  json_object_set_new(pm, "edges_traversed", json_integer((json_int_t)r->edges_traversed));
  json_object_set_new(pm, "memory_usage", json_integer((json_int_t)r->memory_usage));
  json_object_set_new(o, "performance_metrics", pm);
  return o;
}

void arcos_query_explain(FILE *out, const arcos_graph_t *g, const arcos_query_t *q,
                         const arcos_query_result_t *r) {
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  const arcos_qplan_t *p = &r->plan;
  fprintf(out, "query %s: %s", q->id, arcos_qtype_name(q->type));
  if (q->type == ARCOS_Q_TRAVERSE) {
    fprintf(out, " from %zu start node(s), max_depth %" PRId64 ", direction %s", q->nstart,
            q->max_depth, dir_name(q->direction));
    if (q->nrels > 0) {
      fprintf(out, ", relationship");
      for (size_t i = 0; i < q->nrels; i++)
        fprintf(out, "%s%s", i ? "|" : " ", q->rels[i]);
    }
  }
  if (q->label != NULL)
    fprintf(out, ", label %s", q->label);
  if (q->properties != NULL) {
    char *s = json_dumps(q->properties, JSON_COMPACT | JSON_SORT_KEYS);
    fprintf(out, ", properties %s", s ? s : "?");
    free(s);
  }
  fprintf(out, ", strategy %s\n", arcos_strategy_name(q->strategy));
  fprintf(out, "  graph: %" PRIu64 " nodes, %" PRIu64 " edges, %d labels, %d relationship types\n",
          st->nodes, st->edges, arcos_graph_label_count(g), arcos_graph_type_count(g));
  fprintf(out, "  chosen %-10s estimated %.0f nodes, %.0f edges, cost %.1f\n",
          arcos_strategy_name(p->strategy), p->estimated_nodes, p->estimated_edges, p->cost);
  if (p->alt_cost > 0 || p->alt_nodes > 0)
    fprintf(out, "  other  %-10s estimated %.0f nodes, %.0f edges, cost %.1f\n",
            arcos_strategy_name(p->strategy == ARCOS_STRATEGY_INDEX ? ARCOS_STRATEGY_FULL
                                                                    : ARCOS_STRATEGY_INDEX),
            p->alt_nodes, p->alt_edges, p->alt_cost);
  fprintf(out, "  reason: %s\n", p->reason);
  if (p->levels[0] != '\0') {
    fprintf(out, "  levels:");
    for (size_t i = 0; p->levels[i] != '\0'; i++)
      fprintf(out, " %zu:%s", i + 1, p->levels[i] == 'B' ? "bottom-up" : "top-down");
    fputc('\n', out);
  }
  fprintf(out,
          "  actual: %" PRIu64 " nodes, %" PRIu64 " edges examined; %" PRIu64
          " result(s)%s in %.3f ms, %" PRIu64 " bytes of working memory\n",
          p->actual_nodes, p->actual_edges, r->count, r->truncated ? " (truncated)" : "",
          r->query_time * 1e3, r->memory_usage);
}
