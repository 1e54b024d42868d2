// Package termsafe makes stored text safe to print on a terminal: model
// answers, tool output, file names and transcripts may hold control
// characters that a terminal would obey (set the window title, clear the
// screen, move the cursor and overwrite what an operator reads, or answer
// back into the input; see ECMA-48 and the xterm control sequences).
//
// [String] shows every C0 control except newline and tab in caret notation
// (ESC as ^[, as cat -v does), DEL as ^?, every C1 control (U+0080 to
// U+009F) and every byte that is not valid UTF-8 as a \u or \x escape.
// Everything else, including all printable Unicode, is unchanged.
package termsafe
