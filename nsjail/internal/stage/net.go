package stage

import "syscall"

// loopback is the only interface in a new network namespace (see
// network_namespaces(7)); it starts down.
const loopback = "lo"

// setupNetwork brings the jail's loopback interface up when s.Loopback is
// set, so programs can talk to themselves on 127.0.0.1 and ::1, with
// SIOCGIFFLAGS/SIOCSIFFLAGS (see netdevice(7)). The namespace has no other
// interface and no route out either way: the host's loopback and network
// are unreachable.
func setupNetwork(s *Spec) error {
	if !s.Loopback {
		return nil
	}
	err := withLoopback(func(fd int, ifr *ifreqFlags) error {
		ifr.flags |= syscall.IFF_UP | syscall.IFF_RUNNING
		if err := interfaceFlags(fd, syscall.SIOCSIFFLAGS, ifr); err != nil {
			return sysErr("ioctl", `"lo", SIOCSIFFLAGS IFF_UP|IFF_RUNNING`, err)
		}
		return nil
	})
	if err != nil || s.ProxyPort == 0 {
		return err
	}
	return handOverProxyListener(s.ProxyPort)
}

// handOverProxyListener listens on the jail's 127.0.0.1:port and sends the
// listening socket to the host on SpecFD (SCM_RIGHTS, see unix(7)), then
// closes its own copy and SpecFD: the host accepts the jail's connections
// and serves them with its egress proxy, so nothing runs inside the jail
// for it, and the socket cannot be reached from any other namespace.
func handOverProxyListener(port int) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_STREAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return sysErr("socket", "AF_INET, SOCK_STREAM", err)
	}
	defer syscall.Close(fd)
	syscall.SetsockoptInt(fd, syscall.SOL_SOCKET, syscall.SO_REUSEADDR, 1)
	if err := syscall.Bind(fd, &syscall.SockaddrInet4{Port: port, Addr: [4]byte{127, 0, 0, 1}}); err != nil {
		return sysErr("bind", "127.0.0.1:"+itoa(port), err)
	}
	if err := syscall.Listen(fd, syscall.SOMAXCONN); err != nil {
		return sysErr("listen", "127.0.0.1:"+itoa(port), err)
	}
	if err := syscall.Sendmsg(SpecFD, []byte{'L'}, syscall.UnixRights(fd), nil, 0); err != nil {
		return sysErr("sendmsg", "egress listener", err)
	}
	return syscall.Close(SpecFD)
}

// loopbackUp reports whether the loopback interface is up.
func loopbackUp() (up bool, err error) {
	err = withLoopback(func(_ int, ifr *ifreqFlags) error {
		up = ifr.flags&syscall.IFF_UP != 0
		return nil
	})
	return up, err
}

// withLoopback reads the loopback interface's flags on a datagram socket
// and calls f with the socket and the request.
func withLoopback(f func(fd int, ifr *ifreqFlags) error) error {
	fd, err := syscall.Socket(syscall.AF_INET, syscall.SOCK_DGRAM|syscall.SOCK_CLOEXEC, 0)
	if err != nil {
		return sysErr("socket", "AF_INET, SOCK_DGRAM", err)
	}
	defer syscall.Close(fd)
	var ifr ifreqFlags
	copy(ifr.name[:], loopback)
	if err := interfaceFlags(fd, syscall.SIOCGIFFLAGS, &ifr); err != nil {
		return sysErr("ioctl", `"lo", SIOCGIFFLAGS`, err)
	}
	return f(fd, &ifr)
}
