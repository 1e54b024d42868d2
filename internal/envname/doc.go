// Package envname decides which environment variable names bulkhead lets a
// caller set in a jail or store in the credential vault: the portable name
// syntax of POSIX.1-2017 (Base Definitions §8.1), and a deny list of names a
// dynamic loader, shell or interpreter acts on before the command runs, or
// that the jail owns. Package nsjail applies it to Config.Env, package vault
// to the keys of an entry, so a credential can never be stored under a name
// the jail would refuse to inject.
package envname
