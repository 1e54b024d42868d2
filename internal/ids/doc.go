// Package ids validates the identifiers used in state paths: workspace,
// session, skill and credential ids.
package ids
