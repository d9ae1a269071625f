package oidc

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/trustpub/trustpub/internal/quote"
)

// restrictRedirects copies the client and allows only redirects that stay on
// the same https host: a key location must not be bent elsewhere.
func restrictRedirects(base *http.Client) *http.Client {
	var c http.Client
	if base != nil {
		c = *base
	}
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 {
			return errors.New("too many redirects")
		}
		if req.URL.Scheme != "https" || req.URL.Host != via[0].URL.Host {
			return fmt.Errorf("redirect from %s to another host or scheme: %s", via[0].URL.Host, req.URL.Redacted())
		}
		return nil
	}
	return &c
}

func checkHTTPS(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("invalid URL %q: %w", raw, err)
	}
	if u.Scheme != "https" || u.Host == "" {
		return fmt.Errorf("URL %q is not https", raw)
	}
	return nil
}

// unreachableError is a discovery document that could not be fetched, as
// opposed to one that was fetched and found wrong.
type unreachableError struct{ err error }

func (e *unreachableError) Error() string { return e.err.Error() }
func (e *unreachableError) Unwrap() error { return e.err }

// discover reads the issuer's OpenID configuration for its jwks_uri, and
// how long the document may be cached.
func (c *KeyCache) discover(iss Issuer) (string, time.Duration, error) {
	issuer := iss.URL
	body, age, err := c.get(strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration")
	if err != nil {
		return "", 0, &unreachableError{err}
	}
	var doc struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if err := json.Unmarshal(body, &doc); err != nil {
		return "", 0, fmt.Errorf("discovery document of %s: %w", issuer, err)
	}
	if doc.Issuer != issuer {
		return "", 0, fmt.Errorf("discovery document of %s names issuer %q", issuer, doc.Issuer)
	}
	if err := checkHTTPS(doc.JWKSURI); err != nil {
		return "", 0, fmt.Errorf("discovery document of %s: jwks_uri: %w", issuer, err)
	}
	// A family member's keys come from its own host: its name is all that
	// tells it from a stranger's, so it may not send the cache elsewhere.
	if iss.FamilyMember && !sameHost(issuer, doc.JWKSURI) {
		return "", 0, fmt.Errorf("discovery document of %s: jwks_uri %s is on another host than the issuer, "+
			"which a member of an issuer family may not name", issuer, quote.Value(doc.JWKSURI))
	}
	return doc.JWKSURI, age, nil
}

// get fetches one document over https, bounded in time and size, and
// returns the Cache-Control max-age (0 when absent).
func (c *KeyCache) get(target string) ([]byte, time.Duration, error) {
	if err := checkHTTPS(target); err != nil {
		return nil, 0, err
	}
	ctx, cancel := context.WithTimeout(c.ctx, c.cfg.RequestTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, 0, err
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", target, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, 0, fmt.Errorf("GET %s: HTTP %d", target, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxBodySize+1))
	if err != nil {
		return nil, 0, fmt.Errorf("GET %s: %w", target, err)
	}
	if int64(len(body)) > c.cfg.MaxBodySize {
		return nil, 0, fmt.Errorf("GET %s: body larger than %d bytes", target, c.cfg.MaxBodySize)
	}
	return body, maxAge(resp.Header.Get("Cache-Control")), nil
}

// maxAge reads max-age from a Cache-Control header; 0 when absent or when
// caching is refused, which the caller clamps to its minimum.
func maxAge(cc string) time.Duration {
	var age time.Duration
	for _, d := range strings.Split(cc, ",") {
		name, val, _ := strings.Cut(strings.TrimSpace(d), "=")
		switch strings.ToLower(name) {
		case "no-store", "no-cache":
			return 0
		case "max-age":
			if n, err := strconv.ParseInt(strings.Trim(val, `"`), 10, 64); err == nil && n > 0 {
				age = time.Duration(min(n, int64(365*24*3600))) * time.Second
			}
		}
	}
	return age
}

// sameHost reports whether two https URLs name one host and port, host
// names compared without case.
func sameHost(a, b string) bool {
	ua, err1 := url.Parse(a)
	ub, err2 := url.Parse(b)
	return err1 == nil && err2 == nil && ua.Host != "" && strings.EqualFold(ua.Host, ub.Host)
}
