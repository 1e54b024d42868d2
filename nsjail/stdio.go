package nsjail

import (
	"io"
	"os"
	"sync"
	"time"
)

// jailStdio are the init stage's standard streams. Pipes are created by
// the host and, when it is root, given to JailHostID with fchown(2): the
// command can write to its inherited descriptors either way, but reopening
// /dev/stdout, /dev/stderr or /dev/stdin (links to /proc/self/fd/N) checks
// the pipe's owner and mode (0600), and scripts do that. An ordinary
// user's pipes already belong to the jail's root (see Privilege).
type jailStdio struct {
	stdin, stdout, stderr *os.File // the init stage's ends; stdin nil means /dev/null
	childEnds             []*os.File
	readers               []*os.File
	copiers               sync.WaitGroup
}

// newJailStdio makes the pipes: stdout and stderr are copied into out and
// errOut; stdin is copied from in unless it is nil or already an *os.File,
// which the command gets directly.
func newJailStdio(in io.Reader, out, errOut io.Writer) (*jailStdio, error) {
	s := &jailStdio{}
	var err error
	if s.stdout, err = s.outPipe(out); err != nil {
		s.close()
		return nil, err
	}
	if s.stderr, err = s.outPipe(errOut); err != nil {
		s.close()
		return nil, err
	}
	switch in := in.(type) {
	case nil:
	case *os.File:
		s.stdin = in
	default:
		r, w, err := jailPipe()
		if err != nil {
			s.close()
			return nil, err
		}
		s.stdin = r
		s.childEnds = append(s.childEnds, r)
		go func() {
			// Not waited for, like os/exec's stdin copier: in may block
			// forever. It ends when in does or when the jail is gone.
			_, _ = io.Copy(w, in)
			w.Close()
		}()
	}
	return s, nil
}

// outPipe returns the write end for the init stage and starts copying the
// read end into dst.
func (s *jailStdio) outPipe(dst io.Writer) (*os.File, error) {
	r, w, err := jailPipe()
	if err != nil {
		return nil, err
	}
	s.childEnds = append(s.childEnds, w)
	s.readers = append(s.readers, r)
	s.copiers.Add(1)
	go func() {
		defer s.copiers.Done()
		_, _ = io.Copy(dst, r)
	}()
	return w, nil
}

// jailPipe returns a pipe owned by the jail's root's host ids.
func jailPipe() (r, w *os.File, err error) {
	r, w, err = os.Pipe()
	if err != nil {
		return nil, nil, sysErr("pipe2", "stdio", err)
	}
	if p, _ := hostPrivilege(); !p.Root {
		return r, w, nil
	}
	if err := w.Chown(JailHostID, JailHostID); err != nil {
		r.Close()
		w.Close()
		return nil, nil, sysErr("fchown", "stdio pipe", err)
	}
	return r, w, nil
}

// started closes the host's copies of the init stage's ends, so the
// readers see end of file once the jail's last process is gone.
func (s *jailStdio) started() {
	for _, f := range s.childEnds {
		f.Close()
	}
	s.childEnds = nil
}

// wait waits for the output copiers, at most delay after the init stage
// was reaped (every process of the jail is dead by then, so the pipes are
// at end of file unless a descriptor escaped the jail), then closes the
// read ends.
func (s *jailStdio) wait(delay time.Duration) {
	done := make(chan struct{})
	go func() {
		s.copiers.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(delay):
	}
	for _, r := range s.readers {
		r.Close()
	}
	<-done
}

// close releases everything when the init stage could not be started.
func (s *jailStdio) close() {
	s.started()
	for _, r := range s.readers {
		r.Close()
	}
	s.copiers.Wait()
}
