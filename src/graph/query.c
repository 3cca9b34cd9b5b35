/* Graph queries: parse, plan, execute (include/arcos/query.h, docs/graph.md). */
#include "arcos/query.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "arcos/evidence.h"
#include "arcos/input.h"
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

static void step_free(arcos_qstep_t *st) {
  for (size_t i = 0; i < st->nrels; i++)
    free(st->rels[i]);
  free(st->rels);
  free(st->label);
  json_decref(st->properties);
  for (size_t i = 0; i < 2 * st->nwant; i++)
    free(st->want[i]);
  free(st->want);
}

static char *canonical_text(const json_t *v) {
  arcos_buf_t b = {0};
  if (arcos_canonical_append(&b, v) != ARCOS_OK) {
    arcos_buf_free(&b);
    return NULL;
  }
  return b.data;
}

/* The required properties as the texts a node's canonical properties hold. */
static int want_texts(arcos_qstep_t *st) {
  size_t n = json_object_size(st->properties);
  st->want = calloc(2 * n + 1, sizeof *st->want);
  if (st->want == NULL)
    return ARCOS_ENOMEM;
  const char *k;
  json_t *v;
  json_object_foreach(st->properties, k, v) {
    json_t *key = json_string(k);
    char **w = st->want + 2 * st->nwant++;
    w[0] = key != NULL ? canonical_text(key) : NULL;
    w[1] = canonical_text(v);
    json_decref(key);
    if (w[0] == NULL || w[1] == NULL)
      return ARCOS_ENOMEM;
  }
  return ARCOS_OK;
}

static void query_free(arcos_query_t *q) {
  free(q->id);
  for (size_t i = 0; i < q->nstart; i++)
    free(q->start_nodes[i]);
  free(q->start_nodes);
  for (size_t i = 0; q->steps != NULL && i < q->nsteps; i++)
    step_free(&q->steps[i]);
  free(q->steps);
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

static bool known_key(const char *key, const char *const *known, size_t n) {
  for (size_t k = 0; k < n; k++)
    if (strcmp(key, known[k]) == 0)
      return true;
  return false;
}

/* One pattern or step object p (where: "pattern" or "step N") into st. */
static int parse_step(json_t *p, const char *where, const arcos_query_t *q, arcos_qstep_t *st,
                      const char *source, size_t pos, arcos_detail_t *d) {
  const char *qid = q->id, *key;
  json_t *v;
  static const char *const pk[] = {"relationship", "direction", "label",
                                   "properties",   "min_depth", "max_depth"};
  json_object_foreach(p, key, v) {
    if (!known_key(key, pk, sizeof pk / sizeof *pk))
      return QERR("query %zu (%s): unknown %s field \"%s\"", pos, qid, where, key);
    if (q->type == ARCOS_Q_MATCH && strcmp(key, "label") != 0 && strcmp(key, "properties") != 0)
      return QERR("query %zu (%s): %s field \"%s\" belongs to traverse queries", pos, qid, where,
                  key);
  }
  v = json_object_get(p, "relationship");
  if (v != NULL &&
      ((!json_is_string(v) && !json_is_array(v)) || (json_is_array(v) && json_array_size(v) == 0) ||
       str_list(v, &st->rels, &st->nrels) != ARCOS_OK))
    return QERR("query %zu (%s): %s \"relationship\" must be a type or a non-empty array of types",
                pos, qid, where);
  v = json_object_get(p, "direction");
  if (v != NULL) {
    const char *s = json_string_value(v);
    if (s != NULL && strcmp(s, "out") == 0)
      st->direction = ARCOS_DIR_OUT;
    else if (s != NULL && strcmp(s, "in") == 0)
      st->direction = ARCOS_DIR_IN;
    else if (s != NULL && strcmp(s, "both") == 0)
      st->direction = ARCOS_DIR_BOTH;
    else
      return QERR("query %zu (%s): %s \"direction\" must be \"out\", \"in\" or \"both\"", pos, qid,
                  where);
  }
  v = json_object_get(p, "label");
  if (v != NULL) {
    if (!json_is_string(v) || json_string_length(v) == 0)
      return QERR("query %zu (%s): %s \"label\" must be a non-empty string", pos, qid, where);
    st->label = strdup(json_string_value(v));
  }
  v = json_object_get(p, "properties");
  if (v != NULL) {
    if (!json_is_object(v))
      return QERR("query %zu (%s): %s \"properties\" must be an object", pos, qid, where);
    if (json_object_size(v) > 0) {
      st->properties = json_deep_copy(v);
      if (st->properties == NULL || want_texts(st) != ARCOS_OK)
        return QERR("query %zu (%s): out of memory", pos, qid);
    }
  }
  static const char *const dk[] = {"min_depth", "max_depth"};
  for (int k = 0; k < 2; k++) {
    v = json_object_get(p, dk[k]);
    if (v == NULL)
      continue;
    if (!json_is_integer(v) || json_integer_value(v) < 0)
      return QERR("query %zu (%s): %s \"%s\" must be an integer >= 0", pos, qid, where, dk[k]);
    *(k == 0 ? &st->min_depth : &st->max_depth) = json_integer_value(v);
  }
  if (st->min_depth > st->max_depth)
    return QERR("query %zu (%s): %s \"min_depth\" %" PRId64 " is above \"max_depth\" %" PRId64, pos,
                qid, where, st->min_depth, st->max_depth);
  return ARCOS_OK;
}

/* "pattern" or "steps" into q->steps. */
static int parse_steps(json_t *o, const char *source, size_t pos, arcos_query_t *q,
                       arcos_detail_t *d) {
  const char *qid = q->id;
  json_t *p = json_object_get(o, "pattern"), *steps = json_object_get(o, "steps");
  if (p != NULL && steps != NULL)
    return QERR("query %zu (%s): give either \"pattern\" or \"steps\", not both", pos, qid);
  if (steps != NULL && q->type == ARCOS_Q_MATCH)
    return QERR("query %zu (%s): \"steps\" belongs to traverse queries", pos, qid);
  if (steps != NULL && (!json_is_array(steps) || json_array_size(steps) == 0))
    return QERR("query %zu (%s): \"steps\" must be a non-empty array of step objects", pos, qid);
  if (p != NULL && !json_is_object(p))
    return QERR("query %zu (%s): \"pattern\" must be an object", pos, qid);
  if (p == NULL && steps == NULL && q->type == ARCOS_Q_MATCH)
    return QERR("query %zu (%s): match needs a \"pattern\"", pos, qid);
  q->chained = steps != NULL;
  q->nsteps = steps != NULL ? json_array_size(steps) : 1;
  q->steps = calloc(q->nsteps, sizeof *q->steps);
  if (q->steps == NULL)
    return ARCOS_ENOMEM;
  for (size_t k = 0; k < q->nsteps; k++) {
    q->steps[k].max_depth = 1;
    json_t *e = steps != NULL ? json_array_get(steps, k) : p;
    char where[32];
    snprintf(where, sizeof where, steps != NULL ? "step %zu" : "pattern", k + 1);
    if (steps != NULL && !json_is_object(e))
      return QERR("query %zu (%s): %s must be an object", pos, qid, where);
    int rc = e != NULL ? parse_step(e, where, q, &q->steps[k], source, pos, d) : ARCOS_OK;
    if (rc != ARCOS_OK)
      return rc;
  }
  return ARCOS_OK;
}

/* "return": a non-empty array of "label" and "properties", each at most once. */
static int parse_return(json_t *v, const char *source, size_t pos, arcos_query_t *q,
                        arcos_detail_t *d) {
  if (!json_is_array(v) || json_array_size(v) == 0)
    return QERR("query %zu (%s): \"return\" must be a non-empty array of \"label\" and "
                "\"properties\"",
                pos, q->id);
  for (size_t i = 0; i < json_array_size(v); i++) {
    const char *s = json_string_value(json_array_get(v, i));
    bool *flag = s == NULL                      ? NULL
                 : strcmp(s, "label") == 0      ? &q->return_label
                 : strcmp(s, "properties") == 0 ? &q->return_properties
                                                : NULL;
    if (flag == NULL)
      return QERR("query %zu (%s): \"return\" holds \"label\" and \"properties\" only", pos, q->id);
    if (*flag)
      return QERR("query %zu (%s): \"return\" names \"%s\" twice", pos, q->id, s);
    *flag = true;
  }
  return ARCOS_OK;
}

static int parse_one(json_t *o, const char *source, size_t pos, arcos_query_t *q,
                     arcos_detail_t *d) {
  memset(q, 0, sizeof *q);
  q->limit = -1;
  if (!json_is_object(o))
    return QERR("query %zu: expected an object", pos);
  static const char *const known[] = {"id",    "type",     "start_nodes", "pattern", "steps",
                                      "limit", "strategy", "with_scores", "return"};
  const char *key;
  json_t *v;
  json_object_foreach(o, key, v) {
    if (!known_key(key, known, sizeof known / sizeof *known))
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
  int rc = parse_steps(o, source, pos, q, d);
  if (rc != ARCOS_OK)
    return rc;
  v = json_object_get(o, "return");
  if (v != NULL && (rc = parse_return(v, source, pos, q, d)) != ARCOS_OK)
    return rc;
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
static uint64_t allowed_types(const arcos_graph_t *g, const arcos_qstep_t *q, bool *allowed) {
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

/* Degrees of the start set (local vertices, no repeats): {vertices, all edges, allowed
 * edges} in the step's direction(s), summed over the ranks. */
static void start_degrees(const arcos_graph_t *g, const arcos_qstep_t *q, const bool *allowed,
                          const uint32_t *start, size_t nstart, double out[3]) {
  MPI_Comm comm = arcos_graph_comm(g);
  double loc[3] = {(double)nstart, 0, 0};
  for (size_t i = 0; i < nstart; i++) {
    uint32_t v = start[i];
    for (int side = 0; side < 2; side++) {
      if ((side == 0 && q->direction == ARCOS_DIR_IN) ||
          (side == 1 && q->direction == ARCOS_DIR_OUT))
        continue;
      arcos_graph_adj_t a = side == 0 ? arcos_graph_out(g, v) : arcos_graph_in(g, v);
      loc[1] += (double)a.count;
      for (uint64_t e = 0; e < a.count; e++)
        loc[2] += allowed == NULL || allowed[a.type[e]];
    }
  }
  MPI_Allreduce(loc, out, 3, MPI_DOUBLE, MPI_SUM, comm);
}

/* The start nodes of a traverse this rank owns, as local vertices without repeats
 * (marked in seen, a bitmap of local vertices). Returns the count. */
static size_t start_vertices(const arcos_graph_t *g, const arcos_query_t *q, uint32_t *out,
                             uint64_t *seen) {
  int rank;
  MPI_Comm_rank(arcos_graph_comm(g), &rank);
  size_t n = 0;
  for (size_t i = 0; i < q->nstart; i++) {
    size_t len = strlen(q->start_nodes[i]);
    if (arcos_graph_owner_of(g, q->start_nodes[i], len) != rank)
      continue;
    int64_t v = arcos_graph_local_find(g, q->start_nodes[i], len);
    if (v >= 0 && !((seen[v >> 6] >> (v & 63)) & 1)) {
      seen[v >> 6] |= (uint64_t)1 << (v & 63);
      out[n++] = (uint32_t)v;
    }
  }
  return n;
}

/* Top-down: the first level is exact (the start nodes' own degrees, one allreduce);
 * later levels grow by the mean degree over the allowed types, capped by the graph.
 * Bottom-up: every level examines each vertex and, on average, half its edges. */
static void plan_traverse(const arcos_graph_t *g, const arcos_qstep_t *q, int forced,
                          const uint32_t *start, size_t nstart, arcos_qplan_t *p) {
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  int T = arcos_graph_type_count(g);
  bool *allowed = calloc((size_t)T + 1, sizeof *allowed);
  double N = (double)st->nodes;
  double E = allowed != NULL ? (double)allowed_types(g, q, allowed) : (double)st->edges;
  double Eall = (double)st->edges;
  double sd[3];
  start_degrees(g, q, allowed, start, nstart, sd);
  p->start_nodes = (uint64_t)sd[0];
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

static void plan_match(const arcos_graph_t *g, const arcos_query_t *qq, arcos_qplan_t *p) {
  const arcos_qstep_t *q = &qq->steps[0];
  double N = (double)arcos_graph_stats(g)->nodes;
  int l = q->label != NULL ? arcos_graph_label_find(g, q->label) : -1;
  double L = l >= 0 ? (double)arcos_graph_label_nodes(g, l) : 0;
  bool have_index = q->label != NULL;
  double ix_cost = W_IX_NODE * L, fs_cost = W_FS_NODE * N + W_IX_NODE * (have_index ? L : N);
  bool index = have_index && (qq->strategy == ARCOS_STRATEGY_INDEX ||
                              (qq->strategy == ARCOS_STRATEGY_AUTO && ix_cost <= fs_cost));
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
             qq->strategy == ARCOS_STRATEGY_INDEX ? " (index_scan was asked for)" : "");
  else if (qq->strategy != ARCOS_STRATEGY_AUTO)
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
  if (q->type == ARCOS_Q_MATCH) {
    plan_match(g, q, p);
    return;
  }
  uint32_t n = arcos_graph_local_count(g);
  uint32_t *start = malloc(((size_t)n + 1) * sizeof *start);
  uint64_t *seen = calloc((size_t)n / 64 + 1, sizeof *seen);
  size_t ns = start != NULL && seen != NULL ? start_vertices(g, q, start, seen) : 0;
  plan_traverse(g, &q->steps[0], q->strategy, start, ns, p);
  free(start);
  free(seen);
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

/* Whether the canonical object text props has member key (a JSON string literal) with
 * value text val: equal values have equal canonical texts (keys sorted, one number
 * layout), so a text comparison is the value comparison. */
static bool has_member(const char *props, const char *key, const char *val) {
  size_t n = strlen(props), klen = strlen(key), vlen = strlen(val), i = 1;
  bool cut;
  while (i < n && props[i] == '"') {
    size_t kend = arcos_json_value_end(props, i, n, &cut);
    bool hit = kend - i == klen && memcmp(props + i, key, klen) == 0;
    i = kend + 2; /* ": " */
    if (i >= n)
      return false;
    size_t vend = arcos_json_value_end(props, i, n, &cut);
    if (hit)
      return vend - i == vlen && memcmp(props + i, val, vlen) == 0;
    i = vend + 2; /* ", " */
  }
  return false;
}

static bool matches(const arcos_graph_t *g, const arcos_qstep_t *q, int label, uint32_t v) {
  if (q->label != NULL && arcos_graph_local_label(g, v) != label)
    return false;
  if (q->properties == NULL)
    return true;
  const char *props = arcos_graph_local_properties(g, v);
  if (props == NULL)
    return false;
  for (size_t k = 0; k < q->nwant; k++)
    if (!has_member(props, q->want[2 * k], q->want[2 * k + 1]))
      return false;
  return true;
}

/* Top-down level: expand cur, send remote neighbours to their owners. */
static int level_top_down(exec_t *x, const arcos_qstep_t *q, const bool *allowed, uint64_t *visited,
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
static void level_bottom_up(exec_t *x, const arcos_qstep_t *q, const bool *allowed,
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

static uint64_t frontier_degree(const arcos_graph_t *g, const arcos_qstep_t *q, const uint32_t *f,
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

/* One traverse step from the start set (local vertices, no repeats): marks in `visited`
 * every vertex reached within max_depth and in `inrange` those whose depth is at least
 * min_depth. Returns an agreed code. */
static int run_traverse(exec_t *x, const arcos_qstep_t *q, int strategy, const uint32_t *start,
                        size_t nstart, arcos_qplan_t *plan, uint64_t *visited, uint64_t *inrange) {
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
  for (size_t i = 0; rc == ARCOS_OK && i < nstart; i++) {
    bit_set(visited, start[i]);
    if (q->min_depth == 0)
      bit_set(inrange, start[i]);
    cur[ncur++] = start[i];
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
    if (strategy == ARCOS_STRATEGY_AUTO && depth > 1) {
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
    for (size_t i = 0; depth >= q->min_depth && i < ncur; i++)
      bit_set(inrange, cur[i]);
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

/* Match: the local vertices with the label and properties, ascending. */
static void exec_match(exec_t *x, const arcos_query_t *q, const arcos_qplan_t *plan, int label,
                       uint32_t *hits, size_t *nhits) {
  const arcos_graph_t *g = x->g;
  const arcos_qstep_t *st = &q->steps[0];
  size_t n = 0;
  if (plan->strategy == ARCOS_STRATEGY_INDEX) {
    if (label >= 0) {
      uint32_t cnt;
      const uint32_t *ix = arcos_graph_label_index(g, label, &cnt);
      for (uint32_t i = 0; i < cnt; i++) {
        x->nodes++;
        if (matches(g, st, label, ix[i]))
          hits[n++] = ix[i];
      }
    }
  } else if (st->label == NULL || label >= 0) {
    for (uint32_t v = 0; v < x->n; v++) {
      x->nodes++;
      if (matches(g, st, label, v))
        hits[n++] = v;
    }
  }
  *nhits = n;
}

/* The query's plan from its steps': the first step's strategy, sums of the estimates
 * and of the work, the levels one after the other. */
static void plan_sum(const arcos_query_t *q, const arcos_qplan_t *steps, size_t n,
                     arcos_qplan_t *p) {
  if (n == 1 && !q->chained) {
    *p = steps[0];
    return;
  }
  memset(p, 0, sizeof *p);
  p->strategy = steps[0].strategy;
  size_t nl = 0;
  for (size_t k = 0; k < n; k++) {
    p->estimated_nodes += steps[k].estimated_nodes;
    p->estimated_edges += steps[k].estimated_edges;
    p->alt_nodes += steps[k].alt_nodes;
    p->alt_edges += steps[k].alt_edges;
    p->cost += steps[k].cost;
    p->alt_cost += steps[k].alt_cost;
    p->actual_nodes += steps[k].actual_nodes;
    p->actual_edges += steps[k].actual_edges;
    for (size_t i = 0; steps[k].levels[i] != '\0' && nl + 1 < sizeof p->levels; i++)
      p->levels[nl++] = steps[k].levels[i];
  }
  p->start_nodes = steps[0].start_nodes;
  p->result_nodes = steps[n - 1].result_nodes;
  snprintf(p->reason, sizeof p->reason,
           "%zu steps, each planned when it starts from the degrees of its start set (the "
           "previous step's result): see steps",
           n);
}

/* Traverse: run the steps, each from the previous one's result on this rank; the last
 * step's matching vertices go to hits. Plans go to res->steps and res->plan. */
static int exec_traverse(exec_t *x, const arcos_query_t *q, uint64_t *visited, uint32_t *hits,
                         size_t *nhits, arcos_query_result_t *res) {
  const arcos_graph_t *g = x->g;
  size_t lw = arcos_graph_bitmap_words(g) + 1;
  uint64_t *inrange = calloc(lw, sizeof *inrange);
  uint32_t *start = malloc(((size_t)x->n + 1) * sizeof *start);
  res->steps = calloc(q->nsteps, sizeof *res->steps);
  mem_add(x, lw * sizeof *inrange + ((size_t)x->n + 1) * sizeof *start);
  int rc = inrange && start && res->steps ? ARCOS_OK : ARCOS_ENOMEM;
  MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MIN, x->comm);
  if (rc != ARCOS_OK) {
    free(inrange);
    free(start);
    return rc;
  }
  res->nsteps = q->nsteps;
  size_t nstart = start_vertices(g, q, start, visited);
  memset(visited, 0, lw * sizeof *visited);
  size_t nh = 0;
  for (size_t k = 0; rc == ARCOS_OK && k < q->nsteps; k++) {
    const arcos_qstep_t *st = &q->steps[k];
    arcos_qplan_t *sp = &res->steps[k];
    plan_traverse(g, st, q->strategy, start, nstart, sp);
    uint64_t w0[2] = {x->nodes, x->edges};
    rc = run_traverse(x, st, q->strategy, start, nstart, sp, visited, inrange);
    int label = st->label != NULL ? arcos_graph_label_find(g, st->label) : -1;
    nh = 0;
    for (uint32_t v = 0; rc == ARCOS_OK && v < x->n; v++) {
      if (bit_get(visited, v))
        res->reached_edges += arcos_graph_out(g, v).count;
      if (bit_get(inrange, v) && (st->label == NULL || label >= 0) && matches(g, st, label, v))
        hits[nh++] = v;
    }
    uint64_t w[3] = {x->nodes - w0[0], x->edges - w0[1], nh}, gw[3];
    MPI_Allreduce(w, gw, 3, MPI_UINT64_T, MPI_SUM, x->comm);
    sp->actual_nodes = gw[0];
    sp->actual_edges = gw[1];
    sp->result_nodes = gw[2];
    /* The next step starts where this one's result lives: on its owners. */
    memcpy(start, hits, nh * sizeof *start);
    nstart = nh;
    memset(visited, 0, lw * sizeof *visited);
    memset(inrange, 0, lw * sizeof *inrange);
  }
  *nhits = nh;
  if (rc == ARCOS_OK)
    plan_sum(q, res->steps, q->nsteps, &res->plan);
  free(inrange);
  free(start);
  return rc;
}

/* Pack one node for the gather: [len][id][score][label][props len][props]; props only
 * when it may be listed (`listed`: among this rank's first `limit`). */
static int pack_node(const arcos_graph_t *g, const arcos_query_t *q, const arcos_scores_t *scores,
                     uint32_t v, bool listed, arcos_buf_t *pack, arcos_buf_t *tmp) {
  const char *id = arcos_graph_local_id(g, v);
  uint32_t len = (uint32_t)strlen(id);
  double sc = scores != NULL ? scores->score[v] : NAN;
  int32_t label = arcos_graph_local_label(g, v);
  arcos_buf_reset(tmp);
  if (q->return_properties && listed) {
    const char *props = arcos_graph_local_properties(g, v);
    if (arcos_buf_append(tmp, props != NULL ? props : "{}", props != NULL ? strlen(props) : 2))
      return ARCOS_ENOMEM;
  }
  uint32_t plen = (uint32_t)tmp->len;
  if (arcos_buf_append(pack, &len, 4) || arcos_buf_append(pack, id, len) ||
      arcos_buf_append(pack, &sc, sizeof sc) || arcos_buf_append(pack, &label, 4) ||
      arcos_buf_append(pack, &plen, 4) || arcos_buf_append(pack, tmp->data, plen))
    return ARCOS_ENOMEM;
  return ARCOS_OK;
}

static size_t packed_size(const char *p) {
  uint32_t l, pl;
  memcpy(&l, p, 4);
  memcpy(&pl, p + 4 + l + sizeof(double) + 4, 4);
  return 4 + l + sizeof(double) + 8 + pl;
}

/* Rank 0: the gathered nodes, sorted, cut at limit, into res. */
static int unpack_result(exec_t *x, const arcos_query_t *q, const char *all, size_t total,
                         arcos_query_result_t *res) {
  size_t k = 0;
  for (size_t off = 0; off < total; k++)
    off += packed_size(all + off);
  char **ptr = malloc((k + 1) * sizeof *ptr);
  if (ptr == NULL)
    return ARCOS_ENOMEM;
  k = 0;
  for (size_t off = 0; off < total; k++) {
    ptr[k] = (char *)all + off + 4;
    off += packed_size(all + off);
  }
  if (k > 1)
    qsort(ptr, k, sizeof *ptr, cmp_idstr);
  size_t keep = q->limit >= 0 && (uint64_t)q->limit < k ? (size_t)q->limit : k;
  res->nodes = calloc(keep + 1, sizeof *res->nodes);
  res->scores = calloc(keep + 1, sizeof *res->scores);
  res->labels = calloc(keep + 1, sizeof *res->labels);
  res->props = calloc(keep + 1, sizeof *res->props);
  int rc = res->nodes && res->scores && res->labels && res->props ? ARCOS_OK : ARCOS_ENOMEM;
  /* score_min and score_mean cover the whole result, before limit (SPEC §7), summed
   * in id order so that the mean does not depend on the rank count. */
  double sum = 0;
  size_t ns = 0;
  for (size_t i = 0; q->with_scores && i < k; i++) {
    uint32_t l;
    double sc;
    memcpy(&l, ptr[i] - 4, 4);
    memcpy(&sc, ptr[i] + l, sizeof sc);
    if (!isnan(sc)) {
      if (ns == 0 || sc < res->score_min)
        res->score_min = sc;
      sum += sc;
      ns++;
    }
  }
  for (size_t i = 0; rc == ARCOS_OK && i < keep; i++) {
    uint32_t l, pl;
    const char *p = ptr[i];
    memcpy(&l, p - 4, 4);
    res->nodes[i] = strndup(p, l);
    memcpy(&res->scores[i], p + l, sizeof(double));
    int32_t lab;
    memcpy(&lab, p + l + sizeof(double), 4);
    res->labels[i] = lab;
    memcpy(&pl, p + l + sizeof(double) + 4, 4);
    res->props[i] = strndup(p + l + sizeof(double) + 8, pl);
    if (res->nodes[i] == NULL || res->props[i] == NULL)
      rc = ARCOS_ENOMEM;
    res->nnodes = i + 1;
  }
  if (ns > 0)
    res->score_mean = sum / (double)ns;
  mem_add(x, (k + 1) * sizeof *ptr);
  free(ptr);
  return rc;
}

/* Gather at rank 0 at most `limit` nodes per rank (the global first `limit` are among
 * them), or with with_scores every node (score_min and score_mean are over the whole
 * result; only the first `limit` carry their properties). Collective; returns an
 * agreed code. */
static int gather_result(exec_t *x, const arcos_query_t *q, const arcos_scores_t *scores,
                         const uint32_t *hits, size_t nhits, arcos_query_result_t *res) {
  size_t listed = q->limit >= 0 && (uint64_t)q->limit < nhits ? (size_t)q->limit : nhits;
  size_t send_n = q->with_scores ? nhits : listed;
  arcos_buf_t pack = {0}, tmp = {0};
  int rc = ARCOS_OK;
  for (size_t i = 0; rc == ARCOS_OK && i < send_n; i++)
    rc = pack_node(x->g, q, scores, hits[i], i < listed, &pack, &tmp);
  arcos_buf_free(&tmp);
  mem_add(x, pack.cap);
  MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MIN, x->comm);
  int P = x->size;
  int *cnt = calloc((size_t)P * 2 + 2, sizeof(int));
  int len = (int)pack.len;
  if (rc == ARCOS_OK)
    MPI_Gather(&len, 1, MPI_INT, cnt, 1, MPI_INT, 0, x->comm);
  char *all = NULL;
  size_t total = 0;
  if (rc == ARCOS_OK && x->rank == 0) {
    for (int p = 0; p < P; p++) {
      cnt[P + p] = (int)total;
      total += (size_t)cnt[p];
    }
    all = malloc(total + 1);
    mem_add(x, total + 1);
  }
  if (rc == ARCOS_OK)
    MPI_Gatherv(pack.data, len, MPI_BYTE, all, cnt, cnt + P, MPI_BYTE, 0, x->comm);
  arcos_buf_free(&pack);
  free(cnt);
  if (rc == ARCOS_OK && x->rank == 0)
    rc = all != NULL ? unpack_result(x, q, all, total, res) : ARCOS_ENOMEM;
  free(all);
  MPI_Bcast(&rc, 1, MPI_INT, 0, x->comm);
  return rc;
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

  /* The local result: ascending local vertices are ascending ids. */
  uint32_t *hits = malloc(((size_t)x.n + 1) * sizeof *hits);
  uint64_t *visited = calloc(arcos_graph_bitmap_words(g) + 1, sizeof *visited);
  mem_add(&x, ((size_t)x.n + 1) * sizeof *hits + (arcos_graph_bitmap_words(g) + 1) * 8);
  int rc = hits && visited ? ARCOS_OK : ARCOS_ENOMEM;
  MPI_Allreduce(MPI_IN_PLACE, &rc, 1, MPI_INT, MPI_MIN, x.comm);
  size_t nhits = 0;
  if (rc == ARCOS_OK && q->type == ARCOS_Q_TRAVERSE) {
    rc = exec_traverse(&x, q, visited, hits, &nhits, res);
  } else if (rc == ARCOS_OK) {
    arcos_query_plan(g, q, &res->plan);
    const char *l = q->steps[0].label;
    exec_match(&x, q, &res->plan, l != NULL ? arcos_graph_label_find(g, l) : -1, hits, &nhits);
  }
  uint64_t work[4] = {nhits, x.nodes, x.edges, res->reached_edges}, gwork[4];
  MPI_Allreduce(work, gwork, 4, MPI_UINT64_T, MPI_SUM, x.comm);
  res->reached_edges = gwork[3];
  res->count = gwork[0];
  res->plan.actual_nodes = res->nodes_visited = gwork[1];
  res->plan.actual_edges = res->edges_traversed = gwork[2];
  res->plan.result_nodes = res->count;
  res->truncated = q->limit >= 0 && res->count > (uint64_t)q->limit;
  if (rc == ARCOS_OK)
    rc = gather_result(&x, q, scores, hits, nhits, res);
  free(hits);
  free(visited);
  uint64_t peak = x.peak;
  MPI_Allreduce(&peak, &res->memory_usage, 1, MPI_UINT64_T, MPI_SUM, x.comm);
  double dt = arcos_now() - t0;
  MPI_Allreduce(&dt, &res->query_time, 1, MPI_DOUBLE, MPI_MAX, x.comm);
  return rc;
}

void arcos_query_result_free(arcos_query_result_t *res) {
  for (size_t i = 0; i < res->nnodes; i++) {
    free(res->nodes[i]);
    if (res->props != NULL)
      free(res->props[i]);
  }
  free(res->nodes);
  free(res->scores);
  free(res->labels);
  free(res->props);
  free(res->steps);
  res->nodes = NULL;
  res->scores = NULL;
  res->labels = NULL;
  res->props = NULL;
  res->steps = NULL;
  res->nnodes = res->nsteps = 0;
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

/* The members of a result line before "rows" (id .. nodes) and after it (scores ..
 * performance_metrics), so that the rows can sit beside nodes. */
static json_t *result_head(const arcos_query_t *q, const arcos_query_result_t *r) {
  json_t *o = json_object();
  json_object_set_new(o, "id", json_string(q->id));
  json_object_set_new(o, "type", json_string(arcos_qtype_name(q->type)));
  json_object_set_new(o, "count", json_integer((json_int_t)r->count));
  json_object_set_new(o, "truncated", json_boolean(r->truncated));
  json_t *nodes = json_array();
  for (size_t i = 0; i < r->nnodes; i++)
    json_array_append_new(nodes, json_string(r->nodes[i]));
  json_object_set_new(o, "nodes", nodes);
  return o;
}

static json_t *result_tail(const arcos_query_t *q, const arcos_query_result_t *r) {
  json_t *o = json_object();
  if (q->with_scores) {
    json_t *sc = json_object();
    for (size_t i = 0; i < r->nnodes; i++)
      json_object_set_new(sc, r->nodes[i], number(r->scores[i]));
    json_object_set_new(o, "scores", sc);
    json_object_set_new(o, "score_min", number(r->score_min));
    json_object_set_new(o, "score_mean",
                        isnan(r->score_mean) ? json_null() : json_real(r->score_mean));
  }
  json_t *plan = arcos_qplan_json(&r->plan);
  if (q->chained) {
    json_t *steps = json_array();
    for (size_t k = 0; k < r->nsteps; k++) {
      json_t *sp = arcos_qplan_json(&r->steps[k]);
      json_object_set_new(sp, "start_nodes", json_integer((json_int_t)r->steps[k].start_nodes));
      json_object_set_new(sp, "result_nodes", json_integer((json_int_t)r->steps[k].result_nodes));
      json_array_append_new(steps, sp);
    }
    json_object_set_new(plan, "steps", steps);
  }
  json_object_set_new(o, "plan", plan);
  json_t *pm = json_object();
  json_object_set_new(pm, "query_time", json_real(r->query_time));
  json_object_set_new(pm, "nodes_visited", json_integer((json_int_t)r->nodes_visited));
  json_object_set_new(pm, "edges_traversed", json_integer((json_int_t)r->edges_traversed));
  json_object_set_new(pm, "memory_usage", json_integer((json_int_t)r->memory_usage));
  json_object_set_new(o, "performance_metrics", pm);
  return o;
}

json_t *arcos_query_result_json(const arcos_query_t *q, const arcos_query_result_t *r) {
  json_t *o = result_head(q, r), *t = result_tail(q, r);
  json_object_update(o, t);
  json_decref(t);
  return o;
}

static int dump_into(arcos_buf_t *out, const json_t *v) {
  char *s = json_dumps(v, JSON_COMPACT | JSON_ENSURE_ASCII | JSON_ENCODE_ANY);
  int rc = s != NULL ? arcos_buf_append(out, s, strlen(s)) : ARCOS_ENOMEM;
  free(s);
  return rc;
}

/* "rows": per listed node {"id", "label"?, "properties"?}; properties are the text
 * the executor made (Python's json.dumps form), written as they are. */
static int append_rows(const arcos_graph_t *g, const arcos_query_t *q,
                       const arcos_query_result_t *r, arcos_buf_t *out) {
  int rc = arcos_buf_append(out, "\"rows\":[", 8);
  for (size_t i = 0; rc == ARCOS_OK && i < r->nnodes; i++) {
    json_t *id = json_string(r->nodes[i]);
    rc = arcos_buf_append(out, i > 0 ? ",{\"id\":" : "{\"id\":", i > 0 ? 7 : 6);
    rc = rc ? rc : dump_into(out, id);
    json_decref(id);
    if (rc == ARCOS_OK && q->return_label) {
      const char *name = r->labels[i] >= 0 ? arcos_graph_label_name(g, r->labels[i]) : NULL;
      json_t *l = name != NULL ? json_string(name) : json_null();
      rc = arcos_buf_append(out, ",\"label\":", 9);
      rc = rc ? rc : dump_into(out, l);
      json_decref(l);
    }
    if (rc == ARCOS_OK && q->return_properties) {
      rc = arcos_buf_append(out, ",\"properties\":", 14);
      rc = rc ? rc : arcos_buf_append(out, r->props[i], strlen(r->props[i]));
    }
    rc = rc ? rc : arcos_buf_append(out, "}", 1);
  }
  return rc ? rc : arcos_buf_append(out, "]", 1);
}

int arcos_query_result_line(const arcos_graph_t *g, const arcos_query_t *q,
                            const arcos_query_result_t *r, arcos_buf_t *out) {
  json_t *head = result_head(q, r), *tail = result_tail(q, r);
  char *h = json_dumps(head, JSON_COMPACT | JSON_ENSURE_ASCII);
  char *t = json_dumps(tail, JSON_COMPACT | JSON_ENSURE_ASCII);
  json_decref(head);
  json_decref(tail);
  int rc = h != NULL && t != NULL ? ARCOS_OK : ARCOS_ENOMEM;
  /* head "{...}" loses its '}', tail "{...}" its '{'; both are non-empty objects. */
  if (rc == ARCOS_OK)
    rc = arcos_buf_append(out, h, strlen(h) - 1);
  if (rc == ARCOS_OK && (q->return_label || q->return_properties)) {
    rc = arcos_buf_append(out, ",", 1);
    rc = rc ? rc : append_rows(g, q, r, out);
  }
  if (rc == ARCOS_OK)
    rc = arcos_buf_append(out, ",", 1);
  if (rc == ARCOS_OK)
    rc = arcos_buf_append(out, t + 1, strlen(t + 1));
  if (rc == ARCOS_OK)
    rc = arcos_buf_append(out, "\n", 1);
  free(h);
  free(t);
  return rc;
}

/* ", max_depth 3, direction in, relationship A|B, label L, properties {...}" */
static void explain_step(FILE *out, const arcos_query_t *q, const arcos_qstep_t *st) {
  if (q->type == ARCOS_Q_TRAVERSE) {
    if (st->min_depth > 0)
      fprintf(out, ", min_depth %" PRId64, st->min_depth);
    fprintf(out, ", max_depth %" PRId64 ", direction %s", st->max_depth, dir_name(st->direction));
    if (st->nrels > 0) {
      fprintf(out, ", relationship");
      for (size_t i = 0; i < st->nrels; i++)
        fprintf(out, "%s%s", i ? "|" : " ", st->rels[i]);
    }
  }
  if (st->label != NULL)
    fprintf(out, ", label %s", st->label);
  if (st->properties != NULL) {
    char *s = json_dumps(st->properties, JSON_COMPACT | JSON_SORT_KEYS);
    fprintf(out, ", properties %s", s ? s : "?");
    free(s);
  }
}

static void explain_plan(FILE *out, const char *indent, const arcos_qplan_t *p) {
  fprintf(out, "%schosen %-10s estimated %.0f nodes, %.0f edges, cost %.1f\n", indent,
          arcos_strategy_name(p->strategy), p->estimated_nodes, p->estimated_edges, p->cost);
  if (p->alt_cost > 0 || p->alt_nodes > 0)
    fprintf(out, "%sother  %-10s estimated %.0f nodes, %.0f edges, cost %.1f\n", indent,
            arcos_strategy_name(p->strategy == ARCOS_STRATEGY_INDEX ? ARCOS_STRATEGY_FULL
                                                                    : ARCOS_STRATEGY_INDEX),
            p->alt_nodes, p->alt_edges, p->alt_cost);
  fprintf(out, "%sreason: %s\n", indent, p->reason);
  if (p->levels[0] != '\0') {
    fprintf(out, "%slevels:", indent);
    for (size_t i = 0; p->levels[i] != '\0'; i++)
      fprintf(out, " %zu:%s", i + 1, p->levels[i] == 'B' ? "bottom-up" : "top-down");
    fputc('\n', out);
  }
}

void arcos_query_explain(FILE *out, const arcos_graph_t *g, const arcos_query_t *q,
                         const arcos_query_result_t *r) {
  const arcos_graph_stats_t *st = arcos_graph_stats(g);
  const arcos_qplan_t *p = &r->plan;
  fprintf(out, "query %s: %s", q->id, arcos_qtype_name(q->type));
  if (q->type == ARCOS_Q_TRAVERSE)
    fprintf(out, " from %zu start node(s)", q->nstart);
  if (q->chained)
    fprintf(out, " in %zu steps", q->nsteps);
  else
    explain_step(out, q, &q->steps[0]);
  fprintf(out, ", strategy %s\n", arcos_strategy_name(q->strategy));
  fprintf(out, "  graph: %" PRIu64 " nodes, %" PRIu64 " edges, %d labels, %d relationship types\n",
          st->nodes, st->edges, arcos_graph_label_count(g), arcos_graph_type_count(g));
  if (!q->chained)
    explain_plan(out, "  ", p);
  for (size_t k = 0; q->chained && k < r->nsteps; k++) {
    const arcos_qplan_t *sp = &r->steps[k];
    fprintf(out, "  step %zu", k + 1);
    explain_step(out, q, &q->steps[k]);
    fprintf(out,
            "\n    from %" PRIu64 " start node(s) to %" PRIu64 " result(s); actual %" PRIu64
            " nodes, %" PRIu64 " edges examined\n",
            sp->start_nodes, sp->result_nodes, sp->actual_nodes, sp->actual_edges);
    explain_plan(out, "    ", sp);
  }
  fprintf(out,
          "  actual: %" PRIu64 " nodes, %" PRIu64 " edges examined; %" PRIu64
          " result(s)%s in %.3f ms, %" PRIu64 " bytes of working memory\n",
          p->actual_nodes, p->actual_edges, r->count, r->truncated ? " (truncated)" : "",
          r->query_time * 1e3, r->memory_usage);
}
