// Package strutil holds string helpers.
package strutil

import "strings"

// Upper returns s in upper case.
func Upper(s string) string { return strings.ToUpper(s) }
