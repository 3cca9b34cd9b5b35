/* The queries' results in results.h5 (docs/graph.md): /queries/<id> from queries.jsonl. */
#ifndef ARCOS_RUN_H5_QUERIES_H
#define ARCOS_RUN_H5_QUERIES_H

#include <stdio.h>

/* Rank 0: add /queries/<id> to the closed results file h5_path from the lines of
 * queries_jsonl; a failure is said on err. Returns 0 or an ARCOS_E* code. */
int arcos_h5_add_queries(const char *h5_path, const char *queries_jsonl, FILE *err);

#endif
