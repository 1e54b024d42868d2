package egress

import (
	"crypto/x509"
	"encoding/pem"
	"strconv"
	"testing"
)

func TestCA(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	block, _ := pem.Decode(ca.CertPEM())
	if block == nil || block.Type != "CERTIFICATE" {
		t.Fatalf("CertPEM: %q", ca.CertPEM())
	}
	cert, err := x509.ParseCertificate(block.Bytes)
	if err != nil || !cert.IsCA || !cert.MaxPathLenZero || cert.PublicKeyAlgorithm != x509.ECDSA {
		t.Fatalf("CA certificate %+v, %v", cert, err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(cert)
	for _, h := range []string{"api.example.com", "10.0.0.5", "2001:db8::1"} {
		l, err := ca.leaf(h)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := l.Leaf.Verify(x509.VerifyOptions{DNSName: h, Roots: roots}); err != nil {
			t.Errorf("leaf for %s does not verify: %v", h, err)
		}
		again, _ := ca.leaf(h)
		if again != l {
			t.Errorf("leaf for %s not cached", h)
		}
	}
	for i := range leafCacheSize + 1 {
		ca.leaf(string(rune('a'+i%26)) + "-" + strconv.Itoa(i) + ".example.com")
	}
	if len(ca.leaves) != leafCacheSize || len(ca.order) != leafCacheSize {
		t.Errorf("cache holds %d leaves (%d in order), want %d", len(ca.leaves), len(ca.order), leafCacheSize)
	}
	other, _ := NewCA()
	if l, _ := other.leaf("api.example.com"); l.Leaf.CheckSignatureFrom(cert) == nil {
		t.Error("another CA's leaf verifies against this CA")
	}
}
