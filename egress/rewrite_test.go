package egress

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"testing/iotest"
)

func TestStreamRewriterAcrossReadBoundaries(t *testing.T) {
	olds := [][]byte{[]byte("SECRET"), []byte("KEY42")}
	news := [][]byte{[]byte("<s>"), []byte("<k-longer>")}
	in := "aSECRETbKEY42SECRETSECRE" + "TxKEY4KEY42z SECRE"
	want := "a<s>b<k-longer><s><s>xKEY4<k-longer>z SECRE"
	for name, r := range map[string]io.Reader{
		"whole":    strings.NewReader(in),
		"one byte": iotest.OneByteReader(strings.NewReader(in)),
		"half":     iotest.HalfReader(strings.NewReader(in)),
		"data+err": iotest.DataErrReader(strings.NewReader(in)),
	} {
		got, err := io.ReadAll(newStreamRewriter(r, olds, news, nil))
		if err != nil || string(got) != want {
			t.Errorf("%s: %q, %v; want %q", name, got, err, want)
		}
	}
}

func TestStreamRewriterStopsBeforeMatch(t *testing.T) {
	stop := errors.New("stop")
	in := strings.Repeat("a", 100) + "PLACEHOLDER" + "tail"
	r := newStreamRewriter(iotest.OneByteReader(strings.NewReader(in)), [][]byte{[]byte("PLACEHOLDER")}, [][]byte{nil}, func(int) error { return stop })
	got, err := io.ReadAll(r)
	if !errors.Is(err, stop) {
		t.Fatalf("err = %v", err)
	}
	if bytes.Contains(got, []byte("PLACE")) || len(got) > 100 {
		t.Errorf("passed %q before the error", got)
	}
}

func TestInjectRequest(t *testing.T) {
	s := NewSecrets()
	ph, _ := s.Add("gh", []byte("VALUE"), []string{"api.example.com"})
	other, _ := s.Add("other", []byte("OTHER"), []string{"other.example.com"})
	all := s.snapshot()
	allowed := s.forHost(host{name: "api.example.com"}, 443, true)
	if len(allowed) != 1 || allowed[0].entry != "gh" {
		t.Fatalf("forHost = %v", allowed)
	}
	for _, tt := range []struct {
		name, port string
		tls        bool
		want       int
	}{{"api.example.com", "443", false, 0}, {"api.example.com", "80", true, 0}, {"api.example.com", "8443", true, 0}, {"other.example.com", "443", true, 1}} {
		port := uint16(0)
		for _, c := range tt.port {
			port = port*10 + uint16(c-'0')
		}
		if got := s.forHost(host{name: tt.name}, port, tt.tls); len(got) != tt.want {
			t.Errorf("forHost(%s:%s, tls=%v) = %d secrets, want %d", tt.name, tt.port, tt.tls, len(got), tt.want)
		}
	}
	req := func(u string, h map[string]string) *http.Request {
		r, _ := http.NewRequest("GET", u, nil)
		for k, v := range h {
			r.Header.Set(k, v)
		}
		return r
	}
	r := req("https://api.example.com/a?k="+ph+"&x=1", map[string]string{"Authorization": "token " + ph, "Cookie": "a=" + ph + "; b=" + ph})
	entries, undo, err := injectRequest(r, allowed, all)
	if err != nil || len(entries) != 1 || entries[0] != "gh" || len(undo) != 1 {
		t.Fatalf("inject = %v, %v, %v", entries, undo, err)
	}
	if r.Header.Get("Authorization") != "token VALUE" || r.Header.Get("Cookie") != "a=VALUE; b=VALUE" || r.URL.RawQuery != "k=VALUE&x=1" {
		t.Errorf("rewritten: %v %q", r.Header, r.URL.RawQuery)
	}
	r = req("https://api.example.com/", map[string]string{"Accept": "x"})
	if entries, _, err := injectRequest(r, allowed, all); err != nil || len(entries) != 0 {
		t.Errorf("request without placeholders: %v %v", entries, err)
	}
	leaks := []*http.Request{
		req("https://api.example.com/", map[string]string{"Authorization": "token " + other}),
		req("https://api.example.com/"+url.PathEscape(ph), nil),
		req("https://api.example.com/#"+ph, nil),
		req("https://api.example.com/?q="+url.QueryEscape(other), nil),
		req("https://api.example.com/?q="+strings.ReplaceAll(other, "-", "%2d"), nil),
	}
	for i, r := range leaks {
		if _, _, err := injectRequest(r, allowed, all); err == nil || !strings.Contains(err.Error(), "placeholder of credential") {
			t.Errorf("leak %d (%s): %v", i, r.URL, err)
		}
	}
}

func TestMaskHeader(t *testing.T) {
	h := http.Header{"X-Echo": {"token VALUE", "none"}}
	maskHeader(h, []pair{{[]byte("VALUE"), []byte("PH")}})
	if h.Get("X-Echo") != "token PH" || h["X-Echo"][1] != "none" {
		t.Errorf("masked header %v", h)
	}
}
