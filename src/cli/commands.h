/* One function per command; argv[0] is the command name. Each returns an exit code. */
#ifndef ARCOS_CLI_COMMANDS_H
#define ARCOS_CLI_COMMANDS_H

int arcos_cmd_run(int argc, char **argv);
int arcos_cmd_generate(int argc, char **argv);
int arcos_cmd_cache_check(int argc, char **argv);
int arcos_cmd_query(int argc, char **argv);
int arcos_cmd_convert(int argc, char **argv);
int arcos_cmd_rules(int argc, char **argv);

#endif
