/* Entry points of the subcommands. Each takes the arguments after the program name
 * (argv[0] is the command name) and returns the process exit code (SPEC §9). */
#ifndef ARCOS_CLI_COMMANDS_H
#define ARCOS_CLI_COMMANDS_H

int arcos_cmd_generate(int argc, char **argv);

#endif
