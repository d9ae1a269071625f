package publisher

import (
	"context"
	"errors"
	"net/http"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/oidc"
)

// Class is how a registry answers a refused token: what Classify makes of
// an error from verification.
//
// The detailed explanation stays in the error: err.Error() quotes and clips
// every value from the token, so it is safe for logs. Sending it to the
// client is the registry's choice: a *NoMatchError names every candidate
// publisher and what each expects, which in a lookup not limited to one
// package reveals the other packages published from the same repository.
// Message is what an anonymous client may always be told.
//
// PyPI's token exchange answers a refusal with 422 and
//
//	{"message": "Token request failed", "errors": [{"code": PyPICode, "description": Message}]}
//
// A class without a PyPI code (an outage or a server error: none of PyPI's
// codes says "not your fault") is answered with Status instead, 503 with a
// Retry-After header or 500, and the same body with Name as the code: PyPI's
// upload action reads the errors list of any failed response and fails
// without one, and a code it does not know is not mistaken for a token
// fault.
type Class struct {
	// Name identifies the class, stable across releases, e.g.
	// "token-expired"; for metrics, logs and clients' error codes.
	Name string
	// Status is the HTTP status to answer with: 401 for a token that is not
	// valid, 403 for a valid token no publisher accepts, 503 for an outage,
	// 500 for a misconfiguration or an error Classify does not know.
	Status int
	// PyPICode is PyPI's error code: "invalid-token", "invalid-publisher"
	// or "invalid-reuse-token"; empty when the client is not at fault.
	// ("invalid-payload", a request body that is not {"token": …}, is the
	// exchange handler's own refusal: verification never sees it.)
	PyPICode string
	// Retryable reports that the same request may succeed later, unchanged.
	Retryable bool
	// Message explains the refusal in fixed words per class: it holds no
	// claim value, no publisher id and no package, so it is safe to send to
	// an unauthenticated client.
	Message string
}

// Classify maps any error from Verifier.Verify (or from package oidc's
// Verifier, or a claims decoder) to its Class. It is table-driven: the
// first sentinel the error wraps (errors.Is), in the order below, decides.
// Misconfigurations and outages come first, so an error that wraps one of
// them is never blamed on the client.
//
//	error                               class                     status  PyPI code            retryable
//	ErrPolicy                           invalid-policy            500     -                    no
//	ErrUnserved                         unserved-publisher        500     -                    no
//	oidc.ErrKeysUnavailable             keys-unavailable          503     -                    yes
//	oidc.ErrReplayStore                 replay-store-unavailable  503     -                    yes
//	ErrStore                            store-unavailable         503     -                    yes
//	context.DeadlineExceeded            timeout                   503     -                    yes
//	context.Canceled                    canceled                  503     -                    yes
//	oidc.ErrReplayed                    token-reused              401     invalid-reuse-token  no
//	oidc.ErrTooLarge                    token-too-large           401     invalid-token        no
//	oidc.ErrMalformed                   malformed-token           401     invalid-token        no
//	oidc.ErrUnsafeHeader                unsafe-token-header       401     invalid-token        no
//	oidc.ErrAlgorithm                   algorithm-not-allowed     401     invalid-token        no
//	oidc.ErrIssuer                      untrusted-issuer          401     invalid-token        no
//	oidc.ErrAudience                    wrong-audience            401     invalid-token        no
//	oidc.ErrMissingClaim                missing-claim             401     invalid-token        no
//	oidc.ErrExpired                     token-expired             401     invalid-token        no
//	oidc.ErrNotYetValid                 token-not-yet-valid       401     invalid-token        no
//	oidc.ErrIssuedInFuture              token-issued-in-future    401     invalid-token        no
//	oidc.ErrLifetime                    token-lifetime-too-long   401     invalid-token        no
//	oidc.ErrUnknownKey                  unknown-signing-key       401     invalid-token        yes
//	oidc.ErrSignature                   invalid-signature         401     invalid-token        no
//	ErrClaims, claims.ErrMissing,       invalid-claims            403     invalid-publisher    no
//	  claims.ErrType, claims.ErrInvalid
//	ErrNoPublisher                      no-publisher              403     invalid-publisher    no
//	anything else, and nil              internal                  500     -                    no
//
// An error that wraps none of these is a 500 that fails closed: Classify
// never turns an error it does not know into an accept, nor blames the
// client for it. A nil error is a caller's bug and classifies the same way,
// so a handler that reaches here by mistake still refuses.
//
// An unknown kid is a 401 that is nonetheless retryable: oidc.KeyCache
// reports ErrUnknownKey only when its latest fetch of the issuer's keys
// succeeded (a failing issuer is ErrKeysUnavailable), but an unknown kid
// triggers a refetch at most once per CacheConfig.RefetchInterval, so a key
// the issuer published just after that fetch is unknown until the next
// one: a retry after RefetchInterval (60 s by default) may succeed. It stays
// a 401 invalid-token rather than an outage because a forged or foreign
// token looks the same, and anyone can send those: they must not read as an
// outage in a registry's metrics.
//
// After a replay-store outage the token may or may not have been recorded
// as used (a write whose answer was lost): a client that retries with the
// same token may then be told token-reused, so retries should ask the CI
// for a fresh token. A retry after a store or key outage loses nothing:
// the token is recorded only once everything else has passed.
//
// ErrNoPublisher has one message whether no publisher is registered for the
// token's repository or some are and all refused it, so an anonymous client
// cannot probe which repositories have publishers.
func Classify(err error) Class {
	if err == nil {
		return internalClass
	}
	for _, c := range classes {
		if errors.Is(err, c.err) {
			return c.class
		}
	}
	return internalClass
}

// classes is Classify's table, in order of precedence. A new sentinel is
// one line; keep misconfigurations and outages before the client's faults.
var classes = []struct {
	err   error
	class Class
}{
	{ErrPolicy, serverFault("invalid-policy")},
	{ErrUnserved, serverFault("unserved-publisher")},

	{oidc.ErrKeysUnavailable, outage("keys-unavailable", "The token issuer's signing keys cannot be fetched right now; try again later.")},
	{oidc.ErrReplayStore, outage("replay-store-unavailable", unavailable)},
	{ErrStore, outage("store-unavailable", unavailable)},
	{context.DeadlineExceeded, outage("timeout", unavailable)},
	{context.Canceled, outage("canceled", unavailable)},

	{oidc.ErrReplayed, Class{Name: "token-reused", Status: http.StatusUnauthorized, PyPICode: "invalid-reuse-token",
		Message: "The token has already been used; request a new one."}},
	{oidc.ErrTooLarge, invalidToken("token-too-large", "The token is too large.")},
	{oidc.ErrMalformed, invalidToken("malformed-token", "The token is not a well-formed signed JWT.")},
	{oidc.ErrUnsafeHeader, invalidToken("unsafe-token-header", "The token's header names keys or extensions that are not accepted.")},
	{oidc.ErrAlgorithm, invalidToken("algorithm-not-allowed", "The token is signed with an algorithm its issuer is not trusted to use.")},
	{oidc.ErrIssuer, invalidToken("untrusted-issuer", "The token's issuer is not trusted here.")},
	{oidc.ErrAudience, invalidToken("wrong-audience", "The token is not meant for this registry: wrong audience.")},
	{oidc.ErrMissingClaim, invalidToken("missing-claim", "The token lacks a claim every token must carry (exp, iat).")},
	{oidc.ErrExpired, invalidToken("token-expired", "The token has expired; request a new one.")},
	{oidc.ErrNotYetValid, invalidToken("token-not-yet-valid", "The token is not valid yet; check the clocks.")},
	{oidc.ErrIssuedInFuture, invalidToken("token-issued-in-future", "The token is issued in the future; check the clocks.")},
	{oidc.ErrLifetime, invalidToken("token-lifetime-too-long", "The token lives longer than this registry accepts.")},
	{oidc.ErrUnknownKey, retryable(invalidToken("unknown-signing-key",
		"The token is signed with a key its issuer does not publish; if the issuer has just rotated its keys, retry in a minute."))},
	{oidc.ErrSignature, invalidToken("invalid-signature", "The token's signature does not verify.")},

	{ErrClaims, invalidClaims},
	{claims.ErrMissing, invalidClaims},
	{claims.ErrType, invalidClaims},
	{claims.ErrInvalid, invalidClaims},
	{ErrNoPublisher, invalidPublisher("no-publisher", "The token is valid, but no trusted publisher registered here accepts it.")},
}

const unavailable = "The registry cannot verify tokens right now; try again later."

var (
	internalClass = serverFault("internal")
	invalidClaims = invalidPublisher("invalid-claims", "The token's claims are missing or malformed for its provider.")
)

func invalidToken(name, msg string) Class {
	return Class{Name: name, Status: http.StatusUnauthorized, PyPICode: "invalid-token", Message: msg}
}

func invalidPublisher(name, msg string) Class {
	return Class{Name: name, Status: http.StatusForbidden, PyPICode: "invalid-publisher", Message: msg}
}

func outage(name, msg string) Class {
	return Class{Name: name, Status: http.StatusServiceUnavailable, Retryable: true, Message: msg}
}

func serverFault(name string) Class {
	return Class{Name: name, Status: http.StatusInternalServerError,
		Message: "The registry could not verify the token because of an error on its side."}
}

func retryable(c Class) Class {
	c.Retryable = true
	return c
}
