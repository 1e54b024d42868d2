package nsjail

import (
	"context"
	"errors"
	"net"
	"os"
	"strconv"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	"golang.org/x/sys/unix"
)

// EgressPort is the port on a jail's 127.0.0.1 where its egress proxy
// listens (Config.Egress); the command's proxy variables name it.
const EgressPort = 3128

// egressEnv returns the variables that point a jail's programs at its
// egress proxy, and at the proxy's CA when there is one: the standard
// proxy variables in both cases (curl reads only the lower-case
// http_proxy), and the CA variables of OpenSSL, curl, Python requests,
// git and Node.js, which ignore the system store otherwise.
func egressEnv(cfg Config) map[string]string {
	env := map[string]string{}
	if cfg.Egress == nil {
		return env
	}
	proxy := "http://127.0.0.1:" + strconv.Itoa(EgressPort)
	for _, name := range []string{"HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY"} {
		env[name], env[toLower(name)] = proxy, proxy
	}
	env["NO_PROXY"], env["no_proxy"] = "localhost,127.0.0.1,::1", "localhost,127.0.0.1,::1"
	if len(cfg.EgressCA) > 0 {
		for _, name := range []string{"SSL_CERT_FILE", "CURL_CA_BUNDLE", "REQUESTS_CA_BUNDLE", "GIT_SSL_CAINFO"} {
			env[name] = stage.EgressBundleFile
		}
		env["NODE_EXTRA_CA_CERTS"] = stage.EgressCAFile
	}
	return env
}

// toLower lower-cases an ASCII name.
func toLower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

// serveEgress receives the egress listener the init stage sends on spec
// once the jail's loopback is up (internal/stage/net.go) and serves it with
// serve until ctx ends; it closes spec. An init stage that fails before
// sending closes its end, and nothing is served.
func serveEgress(ctx context.Context, spec *os.File, serve func(context.Context, net.Listener)) {
	defer spec.Close()
	conn, err := spec.SyscallConn()
	if err != nil {
		return
	}
	var fd = -1
	conn.Read(func(raw uintptr) bool {
		buf, oob := make([]byte, 1), make([]byte, unix.CmsgSpace(4))
		_, oobn, _, _, rerr := unix.Recvmsg(int(raw), buf, oob, unix.MSG_CMSG_CLOEXEC)
		if rerr == unix.EAGAIN {
			return false
		}
		if rerr == nil {
			if msgs, perr := unix.ParseSocketControlMessage(oob[:oobn]); perr == nil && len(msgs) == 1 {
				if fds, perr := unix.ParseUnixRights(&msgs[0]); perr == nil && len(fds) == 1 {
					fd = fds[0]
				}
			}
		}
		return true
	})
	if fd < 0 {
		return
	}
	f := os.NewFile(uintptr(fd), "egress listener")
	l, err := net.FileListener(f)
	f.Close()
	if err != nil {
		return
	}
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	serve(ctx, l)
	l.Close()
}

// errEgressNetwork refuses Egress on a jail without its loopback.
var errEgressNetwork = errors.New("Egress needs Network loopback: the proxy listens on the jail's 127.0.0.1")

// withEgressEnv returns cfg.Env with the egress variables added (egressEnv);
// the caller's own values win.
func withEgressEnv(cfg Config) map[string]string {
	env := egressEnv(cfg)
	for k, v := range cfg.Env {
		env[k] = v
	}
	return env
}

// shutWrite shuts spec for writing: the init stage reads the end of the
// spec while the socket stays open for its answer.
func shutWrite(spec *os.File) error {
	conn, err := spec.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := conn.Control(func(fd uintptr) { serr = unix.Shutdown(int(fd), unix.SHUT_WR) }); err != nil {
		return err
	}
	if serr != nil {
		return sysErr("shutdown", "spec, SHUT_WR", serr)
	}
	return nil
}
