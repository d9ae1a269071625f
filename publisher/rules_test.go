package publisher_test

import (
	"encoding/json"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/trustpub/trustpub/claims"
	"github.com/trustpub/trustpub/providers"
	"github.com/trustpub/trustpub/publisher"
)

// ghField returns the field of c whose JSON name is claim, or an invalid
// Value when the schema has none.
func ghField(c *claims.GitHub, claim string) reflect.Value {
	v := reflect.ValueOf(c).Elem()
	for i := 0; i < v.NumField(); i++ {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		if name == claim {
			return v.Field(i)
		}
	}
	return reflect.Value{}
}

func swapCase(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' {
			return r - 'a' + 'A'
		}
		if r >= 'A' && r <= 'Z' {
			return r - 'A' + 'a'
		}
		return r
	}, s)
}

// TestGitHubRulesDocumentEveryClaim: one row per claim of the schema and
// the reference (iss, aud, jti, repo_property_*), in a known vocabulary.
func TestGitHubRulesDocumentEveryClaim(t *testing.T) {
	t.Parallel()
	want := []string{"iss", "aud", "jti", "repo_property_*"}
	typ := reflect.TypeFor[claims.GitHub]()
	for i := 0; i < typ.NumField(); i++ {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "-" {
			want = append(want, name)
		}
	}
	var got []string
	for _, r := range new(publisher.GitHub).Rules() {
		got = append(got, r.Claim)
		switch {
		case !slices.Contains([]publisher.Comparison{publisher.CompareExact, publisher.CompareCaseInsensitive,
			publisher.ComparePinnedID, publisher.ComparePattern, publisher.CompareRefused,
			publisher.CompareNotCompared, publisher.CompareIgnored}, r.How):
			t.Errorf("%s: comparison %q is not in the vocabulary", r.Claim, r.How)
		case !slices.Contains([]publisher.Use{publisher.UseRequired, publisher.UseOptional, publisher.UseNone}, r.Use):
			t.Errorf("%s: use %q is not in the vocabulary", r.Claim, r.Use)
		case (r.How == publisher.CompareIgnored) != (r.Use == publisher.UseNone && r.How != publisher.CompareNotCompared):
			t.Errorf("%s: %s but %s", r.Claim, r.How, r.Use)
		case r.Use == publisher.UseOptional && r.Rule == "":
			t.Errorf("%s: optional, but no field sets it", r.Claim)
		case strings.ContainsAny(r.Note, "|\n"):
			t.Errorf("%s: the note breaks the table", r.Claim)
		}
	}
	slices.Sort(want)
	slices.Sort(got)
	if !slices.Equal(want, got) {
		t.Errorf("documented claims:\n got %v\nwant %v", got, want)
	}
}

// TestGitHubRulesAreApplied checks each documented row against Check: an
// ignored claim changes nothing; a checked claim, changed, fails its rule
// (and, if optional, only when the policy sets it); case-insensitive rows
// accept another case and the others refuse it; required claims cannot be
// absent.
func TestGitHubRulesAreApplied(t *testing.T) {
	t.Parallel()
	base := func() *claims.GitHub {
		c := ghReleased()
		// the calling workflow at the commit, so that ref and sha are
		// each read by one rule only
		c.WorkflowRef = "octo-org/hello/.github/workflows/release.yml@" + c.SHA
		c.Extra = nil
		return c
	}
	full, minimal := ghFull(t), ghMinimal()
	if m := full.Check(base()); len(m) != 0 {
		t.Fatalf("the base token does not match: %v", m)
	}
	mutate := map[string]string{"event_name": "pull_request_target"}
	failed := func(p *publisher.GitHub, c *claims.GitHub, rule string) bool {
		return slices.ContainsFunc(p.Check(c), func(m publisher.Mismatch) bool { return m.Rule == rule })
	}
	for _, r := range full.Rules() {
		t.Run(r.Claim, func(t *testing.T) {
			if r.Claim == "repo_property_*" {
				c := base()
				c.Extra = map[string]json.RawMessage{"repo_property_region": json.RawMessage(`"eu-west-1"`)}
				if m := full.Check(c); r.How != publisher.CompareIgnored || len(m) != 0 {
					t.Errorf("%s %s: %v", r.Claim, r.How, m)
				}
				return
			}
			c := base()
			f := ghField(c, r.Claim)
			if !f.IsValid() {
				if r.Claim != "iss" && r.Claim != "aud" && r.Claim != "jti" {
					t.Fatalf("no claim %s in claims.GitHub", r.Claim)
				}
				return // registered claims: package oidc and the verifier's tests
			}
			orig := f.String()
			set := func(v string) *claims.GitHub { c := base(); ghField(c, r.Claim).SetString(v); return c }
			changed := mutate[r.Claim]
			if changed == "" {
				changed = "changed-" + orig
			}
			switch r.How {
			case publisher.CompareIgnored:
				if m := full.Check(set(changed)); len(m) != 0 {
					t.Errorf("documented as ignored, but changing it fails %v", m)
				}
				if err := set(changed).Validate(); err != nil {
					t.Errorf("documented as ignored, but changing it is invalid: %v", err)
				}
				return
			case publisher.CompareNotCompared:
				if err := set("").Validate(); r.Use == publisher.UseRequired && err == nil {
					t.Error("documented as required, but a token without it is valid")
				}
				return
			}
			if !failed(full, set(changed), r.Rule) {
				t.Errorf("changing it to %q does not fail rule %s", changed, r.Rule)
			}
			if r.Use == publisher.UseOptional && failed(minimal, set(changed), r.Rule) {
				t.Errorf("optional, but fails rule %s without the policy setting it", r.Rule)
			}
			if r.Use == publisher.UseRequired && !failed(full, set(""), r.Rule) && set("").Validate() == nil {
				t.Error("documented as required, but a token without it passes")
			}
			if swapped := swapCase(orig); swapped != orig && r.How != publisher.CompareRefused {
				ci, refused := r.How == publisher.CompareCaseInsensitive, failed(full, set(swapped), r.Rule)
				if ci == refused {
					t.Errorf("documented as %s, but %q is %s", r.How, swapped, map[bool]string{true: "refused", false: "accepted"}[refused])
				}
			}
		})
	}
}

func TestGitHubRulesIssuer(t *testing.T) {
	t.Parallel()
	p := ghMinimal()
	if p.Issuer() != providers.GitHubIssuer {
		t.Errorf("empty issuer means %s, want github.com's", p.Issuer())
	}
	p.IssuerURL = "https://ghe.example.com/_services/token"
	if p.Issuer() != p.IssuerURL {
		t.Errorf("Issuer() = %s", p.Issuer())
	}
}

// TestREADMETables: the README's claim table of every provider is the one
// the code documents, verbatim and complete. On a difference the failure
// prints the table to paste, rendered by markdownTable(policy.Rules()).
func TestREADMETables(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatalf("reading the README: %v", err)
	}
	for name, rules := range map[string][]publisher.ClaimRule{
		"GitHub":      new(publisher.GitHub).Rules(),
		"GitLab":      new(publisher.GitLab).Rules(),
		"Google":      new(publisher.Google).Rules(),
		"ActiveState": new(publisher.ActiveState).Rules(),
		"CircleCI":    new(publisher.CircleCI).Rules(),
		"Semaphore":   new(publisher.Semaphore).Rules(),
		"Buildkite":   new(publisher.Buildkite).Rules(),
	} {
		t.Run(name, func(t *testing.T) {
			checkTable(t, string(readme), markdownTable(rules))
		})
	}
}

// markdownTable renders rules as a Markdown table, one row per claim, the
// form the README carries.
func markdownTable(rules []publisher.ClaimRule) string {
	var b strings.Builder
	b.WriteString("| claim | checked how | required | rule (policy field) | notes |\n")
	b.WriteString("|---|---|---|---|---|\n")
	for _, r := range rules {
		rule := "-"
		if r.Rule != "" {
			rule = "`" + r.Rule + "`"
		}
		b.WriteString("| `" + r.Claim + "` | " + string(r.How) + " | " + string(r.Use) + " | " + rule + " | " + r.Note + " |\n")
	}
	return b.String()
}

// checkTable requires table as one block of doc, not followed by more rows.
// Cell padding and separator styles do not matter, so a Markdown formatter
// may align the columns.
func checkTable(t *testing.T, doc, table string) {
	t.Helper()
	doc, want := canonTables(doc), canonTables(table)
	i := strings.Index(doc, want)
	if i < 0 {
		t.Fatalf("the README lacks this claim table, or it differs from the code's; it must contain:\n\n%s", table)
	}
	if rest := doc[i+len(want):]; strings.HasPrefix(rest, "|") {
		line, _, _ := strings.Cut(rest, "\n")
		t.Errorf("the README's claim table has a row the code does not document: %s", line)
	}
}

// canonTables rewrites each table row of a Markdown text as
// "|cell|cell|": cells trimmed, a separator row's cells as "---".
func canonTables(doc string) string {
	lines := strings.Split(strings.ReplaceAll(doc, "\r\n", "\n"), "\n")
	for i, l := range lines {
		l = strings.TrimSpace(l)
		if !strings.HasPrefix(l, "|") {
			continue
		}
		cells := strings.Split(strings.Trim(l, "|"), "|")
		sep := true
		for j, c := range cells {
			cells[j] = strings.TrimSpace(c)
			sep = sep && len(cells[j]) >= 3 && strings.Trim(cells[j], "-:") == ""
		}
		if sep {
			for j := range cells {
				cells[j] = "---"
			}
		}
		lines[i] = "|" + strings.Join(cells, "|") + "|"
	}
	return strings.Join(lines, "\n")
}

// TestRuleNames holds the rule names to ClaimRule.Rule's documentation, for
// every policy kind: each documented rule is a JSON field of the policy or
// one of the kind's fixed rules; Check, given claims that fail everything,
// reports exactly the documented rules but "issuer" (the lookup's); and a
// token of another kind fails the undocumented rule "provider" alone.
func TestRuleNames(t *testing.T) {
	t.Parallel()
	gl := glPolicy()
	gl.Environment, gl.NamespaceID, gl.ProjectID = "production", "1", "2"
	gl.Refs, gl.RequireProtectedRef, gl.RequireHostedRunner = glPats(t, "refs/tags/v*"), true, true
	goog := googPolicy()
	goog.Subject = "123"
	cci := cciPolicy()
	cci.ContextIDs, cci.Refs = []string{cciContext}, glPats(t, "refs/tags/v*")
	for _, c := range []struct {
		name  string
		p     publisher.Policy
		fixed []string   // rules no field configures
		fail  claims.Set // fails every rule a field or a fixed rule sets
		other claims.Set // another provider kind's claims
	}{
		{"github", ghFull(t), []string{"event"}, &claims.GitHub{EventName: "workflow_run"}, &claims.GitLab{}},
		{"gitlab", gl, nil, &claims.GitLab{}, &claims.GitHub{}},
		{"google", goog, []string{"email_verified"}, &claims.Google{}, &claims.GitHub{}},
		{"activestate", asPolicy(), []string{"subject"}, &claims.ActiveState{}, &claims.GitHub{}},
		{"buildkite", bkFull(), []string{"subject"}, &claims.Buildkite{}, &claims.GitHub{}},
		{"semaphore", semFull(t), []string{"subject", "ref_type", "job_type"}, &claims.Semaphore{}, &claims.ActiveState{}},
		{"circleci", cci, nil, &claims.CircleCI{}, &claims.Semaphore{}},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			if err := c.p.Validate(); err != nil {
				t.Fatalf("the test's policy is invalid: %v", err)
			}
			fields := jsonFields(reflect.TypeOf(c.p).Elem())
			documented := map[string]bool{}
			for _, r := range c.p.(interface{ Rules() []publisher.ClaimRule }).Rules() {
				switch {
				case r.Rule == "":
				case r.Rule == "provider":
					t.Errorf("claim %s: %q is the wrong-kind rule, not a claim's", r.Claim, r.Rule)
				case !fields[r.Rule] && !slices.Contains(c.fixed, r.Rule):
					t.Errorf("claim %s: rule %q is neither a policy field nor a documented fixed rule", r.Claim, r.Rule)
				default:
					documented[r.Rule] = true
				}
			}
			for _, f := range c.fixed {
				if !documented[f] || fields[f] {
					t.Errorf("fixed rule %q: documented %v, a policy field %v; want documented and no field", f, documented[f], fields[f])
				}
			}
			reported := map[string]bool{}
			for _, m := range c.p.Check(c.fail) {
				reported[m.Rule] = true
				if !documented[m.Rule] {
					t.Errorf("Check reports rule %q (claim %s), which Rules does not document", m.Rule, m.Claim)
				}
			}
			for r := range documented {
				if r != "issuer" && !reported[r] {
					t.Errorf("documented rule %q is not reported by Check of claims that fail it", r)
				}
			}
			for _, set := range []claims.Set{c.other, nil} {
				got := c.p.Check(set)
				if len(got) != 1 || got[0].Rule != "provider" || got[0].Claim != "iss" {
					t.Errorf("Check(%T) = %v, want the provider rule on iss alone", set, got)
				}
			}
		})
	}
}

// jsonFields is the set of a struct type's JSON field names.
func jsonFields(typ reflect.Type) map[string]bool {
	out := map[string]bool{}
	for i := 0; i < typ.NumField(); i++ {
		if name, _, _ := strings.Cut(typ.Field(i).Tag.Get("json"), ","); name != "" && name != "-" {
			out[name] = true
		}
	}
	return out
}
