package main

import (
	"bufio"
	"fmt"
	"os"
	"strings"

	"golang.org/x/term"
)

// confirm asks question on the terminal, on stderr, and reports whether
// the answer read from in is yes ("y" or "yes", in any case). A command
// that asks must be given --yes instead when in or stderr is not a
// terminal: confirm then fails with a usage error saying it is refusing to
// do what (as gh does), so that a script never waits for an answer nor
// proceeds without one.
func confirm(in *os.File, question, what string) (bool, error) {
	if !term.IsTerminal(int(in.Fd())) || !stderr.tty {
		return false, usage(fmt.Errorf("refusing to %s without confirmation: give --yes (there is no terminal to ask on)", what))
	}
	stderr.Ask(question + " [y/N] ")
	line, err := bufio.NewReader(in).ReadString('\n')
	if err != nil && line == "" {
		stderr.Line("") // end of input (Ctrl-D), which echoes no line break: no
		return false, nil
	}
	answer := strings.ToLower(strings.TrimSpace(line))
	return answer == "y" || answer == "yes", nil
}
