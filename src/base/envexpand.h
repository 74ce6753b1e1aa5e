/* envexpand.h: ${VAR} in a configuration value, replaced by the environment
 * variable's value (secrets such as tokens and header values may come from
 * the environment instead of a file). */
#ifndef NEB_ENVEXPAND_H
#define NEB_ENVEXPAND_H

#include <stddef.h>

/* value with every ${VAR} replaced, into *out (malloc'd); -1 when a variable
 * is not set (its name in var) or a '${' is not closed or names nothing
 * (var ""). */
int envexpand_value(const char *value, char **out, char *var, size_t nvar);

/* A message for envexpand_value's failure, prefixed by where the value is. */
void envexpand_explain(char *dst, size_t n, const char *where, const char *var);

#endif
