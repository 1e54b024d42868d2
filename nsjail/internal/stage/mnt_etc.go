package stage

import "os"

// Synthesized /etc files. Only the jail's own users exist (passwd(5),
// group(5)), root's home being Spec.Home; names resolve from files only,
// then DNS (nsswitch.conf(5)).
const (
	etcPasswdHead = "root:x:0:0:root:"
	etcPasswdTail = ":/bin/bash\n" +
		"nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n"
	etcGroup    = "root:x:0:\nnogroup:x:65534:\n"
	etcNsswitch = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"
	// etcHostsHead and etcHostsTail surround the hostname (hosts(5)).
	etcHostsHead = "127.0.0.1\tlocalhost\n127.0.1.1\t"
	etcHostsTail = "\n::1\tlocalhost ip6-localhost ip6-loopback\n"
)

// setupEtc writes the new root's /etc: passwd, group, hosts, nsswitch.conf,
// copies of the host's ld.so.cache and resolv.conf, and read-only binds of
// the host's CA certificates at ssl/certs and of its alternatives(1)
// symlinks at alternatives (Debian reaches awk, editor, pager and others
// through them). Nothing else of the host's /etc is reachable.
func setupEtc(s *Spec) error {
	etc := newRootDir + "/etc"
	if err := mkdir(etc); err != nil {
		return err
	}
	files := []struct{ name, content string }{
		{"passwd", etcPasswdHead + s.Home + etcPasswdTail},
		{"group", etcGroup},
		{"nsswitch.conf", etcNsswitch},
		{"hosts", etcHostsHead + s.Hostname + etcHostsTail},
	}
	for _, f := range files {
		if err := writeEtc(etc+"/"+f.name, []byte(f.content)); err != nil {
			return err
		}
	}
	copies := []struct{ host, name string }{
		{s.Root.LdSoCache, "ld.so.cache"},
		{s.Root.ResolvConf, "resolv.conf"},
	}
	for _, c := range copies {
		if c.host == "" {
			continue
		}
		data, err := os.ReadFile(OldRootDir + c.host)
		if err != nil {
			return &layerError{"copy host " + c.host, err}
		}
		if err := writeEtc(etc+"/"+c.name, data); err != nil {
			return err
		}
	}
	if s.Root.Alternatives != "" {
		if err := bindDir(OldRootDir+s.Root.Alternatives, etc+"/alternatives", roFlags|noexec); err != nil {
			return err
		}
	}
	if err := mkdir(etc + "/ssl"); err != nil {
		return err
	}
	if s.Root.Certs != "" {
		if err := bindDir(OldRootDir+s.Root.Certs, etc+"/ssl/certs", roFlags|noexec); err != nil {
			return err
		}
	}
	return writeExtraCA(s, etc)
}

// writeExtraCA writes Spec.ExtraCA alone and appended to the host's CA
// bundle (its certs directory's ca-certificates.crt, when there is one)
// under /etc/ssl/bulkhead.
func writeExtraCA(s *Spec, etc string) error {
	if len(s.ExtraCA) == 0 {
		return nil
	}
	if err := mkdir(etc + "/ssl/bulkhead"); err != nil {
		return err
	}
	var bundle []byte
	if s.Root.Certs != "" {
		data, err := os.ReadFile(OldRootDir + s.Root.Certs + "/ca-certificates.crt")
		if err != nil && !os.IsNotExist(err) {
			return &layerError{"read the host's CA bundle", err}
		}
		bundle = append(data, '\n')
	}
	if err := writeEtc(newRootDir+EgressCAFile, s.ExtraCA); err != nil {
		return err
	}
	return writeEtc(newRootDir+EgressBundleFile, append(bundle, s.ExtraCA...))
}

// writeEtc writes one world-readable file of the synthesized /etc.
func writeEtc(path string, data []byte) error {
	if err := os.WriteFile(path, data, 0o644); err != nil {
		return &layerError{"synthesize " + path, err}
	}
	return nil
}
