/* The options of convert, query, cache-check and generate for the shared option parser
 * (include/arcos/options.h; run's table is in src/run/config.c). Each command has a
 * struct its options land in, a function that fills it with the defaults (written only
 * there: --help prints them from it) and its table. Kept apart from the commands so
 * that tests/unit/test_options.c can check every table. */
#ifndef ARCOS_CLI_OPTIONS_H
#define ARCOS_CLI_OPTIONS_H

#include <stdbool.h>
#include <stdint.h>

#include "arcos/archive.h"
#include "arcos/generate.h"
#include "arcos/options.h"

typedef struct {
  arcos_convert_opts_t o;
  char *out;
  bool force, quiet;
} arcos_cli_convert_t;

typedef struct {
  char *graph, *queries, *output;
  bool explain, force;
} arcos_cli_query_t;

typedef struct {
  int64_t nodes, keys, vnodes, leave;
  bool json;
} arcos_cli_cache_check_t;

typedef struct {
  arcos_gen_options_t o;
  char *out; /* a directory, or "-" for standard output */
} arcos_cli_generate_t;

extern const arcos_optset_t arcos_cli_convert_options;
extern const arcos_optset_t arcos_cli_query_options;
extern const arcos_optset_t arcos_cli_cache_check_options;
extern const arcos_optset_t arcos_cli_generate_options;

/* Fill with the defaults. The string defaults are malloc'd: false when out of memory.
 * Free the strings with arcos_opts_free_strings. */
bool arcos_cli_convert_defaults(arcos_cli_convert_t *c);
bool arcos_cli_query_defaults(arcos_cli_query_t *q);
bool arcos_cli_cache_check_defaults(arcos_cli_cache_check_t *c);
bool arcos_cli_generate_defaults(arcos_cli_generate_t *g);

/* Parse a command line (argv[0] is the command) into *c, starting from the defaults,
 * with the checks across options that the table cannot express. Returns 0 (with
 * *help set when --help was given), ARCOS_EUSAGE with detail->text naming the
 * option, or ARCOS_ENOMEM. The convert and query parsers return the positional
 * arguments in *args (free with arcos_opts_args_free). */
int arcos_cli_convert_parse(arcos_cli_convert_t *c, int argc, char **argv, arcos_opts_args_t *args,
                            arcos_detail_t *d);
int arcos_cli_query_parse(arcos_cli_query_t *q, int argc, char **argv, bool *help,
                          arcos_detail_t *d);
int arcos_cli_cache_check_parse(arcos_cli_cache_check_t *c, int argc, char **argv, bool *help,
                                arcos_detail_t *d);
int arcos_cli_generate_parse(arcos_cli_generate_t *g, int argc, char **argv, bool *help,
                             arcos_detail_t *d);

#endif
