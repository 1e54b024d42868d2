package egress

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/netip"
	"sync"
	"time"
)

// CA validity. The key lives only in the process's memory, so a long
// validity exposes nothing once the process is gone.
const (
	caValidity    = 5 * 365 * 24 * time.Hour
	leafValidity  = 7 * 24 * time.Hour
	leafRenew     = 24 * time.Hour // a cached leaf closer than this to its end is reissued
	leafCacheSize = 1024
	clockSkew     = time.Hour // NotBefore is set this far back
)

// CA is the per-platform certificate authority with which the proxy
// terminates TLS toward jails, for hosts that have secret rules. Only the
// jails trust it (CertPEM goes into their CA bundle); its ECDSA P-256 key
// never leaves the process's memory.
//
// # Notes
//
//   - The CA certificate is a path-length-0 CA; leaves are ECDSA P-256
//     server certificates valid 7 days for one host name or address,
//     cached (1024 hosts, reissued a day before they end).
//   - Safe for concurrent use.
type CA struct {
	cert    *x509.Certificate
	key     *ecdsa.PrivateKey
	leafKey *ecdsa.PrivateKey
	pem     []byte

	mu     sync.Mutex
	leaves map[string]*tls.Certificate
	order  []string // insertion order, for eviction
}

// NewCA generates a CA with a fresh key.
func NewCA() (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("egress CA key: %w", err)
	}
	leafKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("egress CA leaf key: %w", err)
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          randomSerial(),
		Subject:               pkix.Name{CommonName: "bulkhead egress CA " + now.UTC().Format(time.RFC3339), Organization: []string{"bulkhead"}},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(caValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("egress CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("egress CA certificate: %w", err)
	}
	return &CA{
		cert: cert, key: key, leafKey: leafKey,
		pem:    pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		leaves: map[string]*tls.Certificate{},
	}, nil
}

// CertPEM returns the CA certificate, PEM-encoded (RFC 7468), to append
// to the CA bundle of the jails.
func (c *CA) CertPEM() []byte { return append([]byte(nil), c.pem...) }

// Certificate returns the parsed CA certificate.
func (c *CA) Certificate() *x509.Certificate { return c.cert }

// leaf returns a server certificate for h (a name, or an address as an IP
// SAN), from the cache when it is not close to its end.
func (c *CA) leaf(h string) (*tls.Certificate, error) {
	now := time.Now()
	c.mu.Lock()
	if l, ok := c.leaves[h]; ok && now.Add(leafRenew).Before(l.Leaf.NotAfter) {
		c.mu.Unlock()
		return l, nil
	}
	c.mu.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: randomSerial(),
		Subject:      pkix.Name{CommonName: h},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     now.Add(leafValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	if a, err := netip.ParseAddr(h); err == nil {
		tmpl.IPAddresses = append(tmpl.IPAddresses, a.AsSlice())
	} else {
		tmpl.DNSNames = []string{h}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, c.cert, &c.leafKey.PublicKey, c.key)
	if err != nil {
		return nil, fmt.Errorf("egress leaf certificate for %s: %w", h, err)
	}
	parsed, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("egress leaf certificate for %s: %w", h, err)
	}
	l := &tls.Certificate{Certificate: [][]byte{der}, PrivateKey: c.leafKey, Leaf: parsed}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.leaves[h]; !ok {
		c.order = append(c.order, h)
		if len(c.order) > leafCacheSize {
			delete(c.leaves, c.order[0])
			c.order = c.order[1:]
		}
	}
	c.leaves[h] = l
	return l, nil
}

func randomSerial() *big.Int {
	var b [16]byte
	rand.Read(b[:])
	b[0] &= 0x7f // positive, RFC 5280 §4.1.2.2
	return new(big.Int).SetBytes(b[:])
}
