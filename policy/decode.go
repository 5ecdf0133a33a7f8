package policy

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"gopkg.in/yaml.v3"
)

// Limits that bound the work a policy file can cause.
const (
	// MaxFileSize is the largest policy file read, in bytes.
	MaxFileSize = 1 << 20
	// maxNodes bounds the mappings and list items visited in one file,
	// aliases included, so that an alias of an alias cannot multiply the
	// work beyond what a 1 MiB file could spell out.
	maxNodes = 1 << 18
	// MaxErrorsPerFile bounds the problems reported for one file; past
	// it the file is abandoned with a last problem that says so.
	MaxErrorsPerFile = 1000
)

// decoder walks the yaml.v3 node tree of one file, reporting every
// problem with its position and carrying on where it can.
type decoder struct {
	file  string
	e     *errs
	nodes int  // visited, against maxNodes
	nerr  int  // problems reported, against MaxErrorsPerFile
	over  bool // a limit was reached: stop
}

func (d *decoder) pos(n *yaml.Node) Pos {
	if n == nil {
		return Pos{File: d.file}
	}
	return Pos{File: d.file, Line: n.Line, Column: n.Column}
}

func (d *decoder) errf(n *yaml.Node, format string, args ...any) {
	d.errAt(d.pos(n), format, args...)
}

// errAt reports a problem at p, up to MaxErrorsPerFile per file.
func (d *decoder) errAt(p Pos, format string, args ...any) {
	if d.nerr >= MaxErrorsPerFile {
		return
	}
	d.nerr++
	if d.nerr == MaxErrorsPerFile {
		d.over = true
		d.e.add(p, "too many problems (%d); stopped checking the file", MaxErrorsPerFile)
		return
	}
	d.e.add(p, format, args...)
}

// visit counts one node against the budget; false once it is spent.
func (d *decoder) visit(n *yaml.Node) bool {
	if d.over {
		return false
	}
	d.nodes++
	if d.nodes > maxNodes {
		d.errf(n, "file expands to more than %d nodes (too many aliases?)", maxNodes)
		d.over = true
		return false
	}
	return true
}

// deref follows aliases (anchors are allowed, e.g. for a shared list of
// backends).
func (d *decoder) deref(n *yaml.Node) *yaml.Node {
	for i := 0; n != nil && n.Kind == yaml.AliasNode; i++ {
		if i > 64 || !d.visit(n) {
			return nil
		}
		n = n.Alias
	}
	return n
}

// describe names what a node is, for "expected X, got Y" messages.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.MappingNode:
		return "a mapping"
	case yaml.SequenceNode:
		return "a list"
	case yaml.ScalarNode:
		switch n.ShortTag() {
		case "!!null":
			return "nothing"
		case "!!str":
			return fmt.Sprintf("string %q", n.Value)
		case "!!int":
			return "integer " + n.Value
		case "!!bool":
			return "boolean " + n.Value
		case "!!float":
			return "number " + n.Value
		}
		return fmt.Sprintf("%s %q", n.ShortTag(), n.Value)
	}
	return "an unsupported node"
}

// fields checks that n is a mapping whose keys are all in known, each at
// most once, and returns the value nodes by key. Unknown keys are errors:
// they are typos more often than not.
func (d *decoder) fields(n *yaml.Node, what string, known ...string) (map[string]*yaml.Node, bool) {
	if n == nil || !d.visit(n) {
		return nil, false
	}
	if n.Kind != yaml.MappingNode {
		d.errf(n, "%s: expected a mapping, got %s", what, describe(n))
		return nil, false
	}
	out := make(map[string]*yaml.Node, len(n.Content)/2)
	keyAt := make(map[string]*yaml.Node, len(n.Content)/2)
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := d.deref(n.Content[i]), n.Content[i+1]
		if k == nil {
			return nil, false
		}
		if k.Kind != yaml.ScalarNode || k.ShortTag() == "!!null" {
			d.errf(k, "%s: keys must be plain words, got %s", what, describe(k))
			continue
		}
		key := k.Value
		if key == "<<" {
			d.errf(k, "%s: merge keys (<<) are not supported", what)
			continue
		}
		if first, dup := keyAt[key]; dup {
			d.errf(k, "%s: duplicate key %q (first at line %d)", what, key, first.Line)
			continue
		}
		keyAt[key] = k
		if !contains(known, key) {
			if s := suggest(key, known); s != "" {
				d.errf(k, "%s: unknown key %q (did you mean %q?)", what, key, s)
			} else {
				d.errf(k, "%s: unknown key %q (known keys: %s)", what, key, strings.Join(known, ", "))
			}
			continue
		}
		if v = d.deref(v); v == nil {
			return nil, false
		}
		out[key] = v
	}
	return out, true
}

// require reports every key of keys missing from f, at the mapping n.
func (d *decoder) require(n *yaml.Node, f map[string]*yaml.Node, what string, keys ...string) bool {
	ok := true
	for _, k := range keys {
		if _, has := f[k]; !has {
			d.errf(n, "%s: missing required key %q", what, k)
			ok = false
		}
	}
	return ok
}

// list checks that n is a list and returns its items, aliases followed.
func (d *decoder) list(n *yaml.Node, what string) ([]*yaml.Node, bool) {
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return nil, true // "key:" with nothing is an empty list
	}
	if n.Kind != yaml.SequenceNode {
		d.errf(n, "%s: expected a list, got %s", what, describe(n))
		return nil, false
	}
	out := make([]*yaml.Node, 0, len(n.Content))
	for _, it := range n.Content {
		if !d.visit(it) {
			return nil, false
		}
		it = d.deref(it)
		if it == nil {
			return nil, false
		}
		out = append(out, it)
	}
	return out, true
}

// scalar checks that n is a non-null scalar.
func (d *decoder) scalar(n *yaml.Node, what, want string) bool {
	if n.Kind != yaml.ScalarNode || n.ShortTag() == "!!null" {
		d.errf(n, "%s: expected %s, got %s", what, want, describe(n))
		return false
	}
	return true
}

// str returns a string value. Any scalar is accepted as written (e.g. a
// name "2024"), but not null, a list or a mapping.
func (d *decoder) str(n *yaml.Node, what string) (string, bool) {
	if !d.scalar(n, what, "a string") {
		return "", false
	}
	return n.Value, true
}

// integer returns an integer within [lo, hi].
func (d *decoder) integer(n *yaml.Node, what string, lo, hi int64) (int64, bool) {
	if !d.scalar(n, what, "an integer") {
		return 0, false
	}
	if n.ShortTag() != "!!int" {
		d.errf(n, "%s: expected an integer, got %s", what, describe(n))
		return 0, false
	}
	var v int64
	if err := n.Decode(&v); err != nil {
		d.errf(n, "%s: %s is out of range %d..%d", what, n.Value, lo, hi)
		return 0, false
	}
	if v < lo || v > hi {
		d.errf(n, "%s: %d is out of range %d..%d", what, v, lo, hi)
		return 0, false
	}
	return v, true
}

// boolean returns true or false.
func (d *decoder) boolean(n *yaml.Node, what string) (bool, bool) {
	if !d.scalar(n, what, "true or false") {
		return false, false
	}
	if n.ShortTag() != "!!bool" {
		d.errf(n, "%s: expected true or false, got %s", what, describe(n))
		return false, false
	}
	var v bool
	if err := n.Decode(&v); err != nil {
		d.errf(n, "%s: expected true or false, got %s", what, describe(n))
		return false, false
	}
	return v, true
}

// seconds returns a duration of whole seconds within [0, hi]: an integer
// (seconds) or a Go duration string such as "30s" or "5m".
func (d *decoder) seconds(n *yaml.Node, what string, lo, hi time.Duration) (time.Duration, bool) {
	if !d.scalar(n, what, "a duration") {
		return 0, false
	}
	var v time.Duration
	switch n.ShortTag() {
	case "!!int":
		var s int64
		if err := n.Decode(&s); err != nil || s < 0 || s > math.MaxInt64/int64(time.Second) {
			d.errf(n, "%s: %s is out of range %v..%v", what, n.Value, lo, hi)
			return 0, false
		}
		v = time.Duration(s) * time.Second
	case "!!str":
		var err error
		if v, err = time.ParseDuration(n.Value); err != nil {
			d.errf(n, "%s: invalid duration %q (write e.g. 30s, 5m or a number of seconds)", what, n.Value)
			return 0, false
		}
	default:
		d.errf(n, "%s: expected a duration, got %s", what, describe(n))
		return 0, false
	}
	if v%time.Second != 0 {
		d.errf(n, "%s: %v is not a whole number of seconds", what, v)
		return 0, false
	}
	if v < lo || v > hi {
		d.errf(n, "%s: %v is out of range %v..%v", what, v, lo, hi)
		return 0, false
	}
	return v, true
}

// enum returns the index of n's value in names (entries "" are holes).
func (d *decoder) enum(n *yaml.Node, what string, names []string) (int, bool) {
	if !d.scalar(n, what, "a string") {
		return 0, false
	}
	var valid []string
	for i, s := range names {
		if s == "" {
			continue
		}
		if s == n.Value {
			return i, true
		}
		valid = append(valid, s)
	}
	d.errf(n, "%s: unknown value %q (want %s)", what, n.Value, orList(valid))
	return 0, false
}

// orList formats "a", "a or b", "a, b or c".
func orList(s []string) string {
	if len(s) <= 1 {
		return strings.Join(s, "")
	}
	return strings.Join(s[:len(s)-1], ", ") + " or " + s[len(s)-1]
}

var nameRE = regexp.MustCompile(`^[a-z0-9]([a-z0-9._-]{0,61}[a-z0-9])?$`)

// name returns a tenant, VIP or backend name: lower-case letters, digits,
// '.', '_' and '-', starting and ending with a letter or digit, at most 63
// bytes, so that it is safe in metric labels, URLs and log lines.
func (d *decoder) name(n *yaml.Node, what string) (string, bool) {
	s, ok := d.str(n, what)
	if !ok {
		return "", false
	}
	if !nameRE.MatchString(s) {
		d.errf(n, "%s: invalid name %q (use at most 63 lower-case letters, digits, '.', '_' or '-', starting and ending with a letter or digit)", what, s)
		return "", false
	}
	return s, true
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// suggest returns the known key closest to key if it is within two edits.
func suggest(key string, known []string) string {
	best, bestD := "", 3
	for _, k := range known {
		if len(key) >= 4 && strings.HasPrefix(k, key) {
			return k
		}
		if dist := editDistance(key, k, bestD); dist < bestD {
			best, bestD = k, dist
		}
	}
	return best
}

// editDistance is the Levenshtein distance of a and b, or max when it is
// at least max (keys are short, so the quadratic table is fine).
func editDistance(a, b string, max int) int {
	if len(a) > 64 || len(b) > 64 {
		return max
	}
	if d := len(a) - len(b); d >= max || -d >= max {
		return max
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			c := prev[j-1]
			if a[i-1] != b[j-1] {
				c++
			}
			cur[j] = min(c, prev[j]+1, cur[j-1]+1)
		}
		prev, cur = cur, prev
	}
	return min(prev[len(b)], max)
}

var (
	yamlLineRE   = regexp.MustCompile(`^yaml: (?:line (\d+): )?(.*)$`)
	yamlAnchorRE = regexp.MustCompile(`^yaml: (?:unknown anchor '(.*)' referenced|anchor '(.*)' value contains itself)$`)
)

// parserProblems are the yaml.v3 parser (not scanner) errors. yaml.v3
// reports their line counting from 0 (the scanner's from 1), at the start
// of the construct that failed; they are told apart by their text.
var parserProblems = map[string]bool{
	"did not find expected <stream-start>":   true,
	"did not find expected <document start>": true,
	"did not find expected node content":     true,
	"did not find expected '-' indicator":    true,
	"did not find expected key":              true,
	"did not find expected ',' or ']'":       true,
	"did not find expected ',' or '}'":       true,
	"found undefined tag handle":             true,
	"found duplicate %YAML directive":        true,
	"found incompatible YAML document":       true,
	"found duplicate %TAG directive":         true,
}

// parseYAML reads exactly one YAML document. yaml.v3 is fuzzed upstream,
// but a panic on hostile input must not take the controller down: it is
// turned into an error.
func parseYAML(file string, data []byte, e *errs) (root *yaml.Node) {
	defer func() {
		if r := recover(); r != nil {
			e.add(Pos{File: file}, "invalid YAML: parser failed: %v", r)
			root = nil
		}
	}()
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if errors.Is(err, io.EOF) {
			e.add(Pos{File: file, Line: 1, Column: 1}, "empty policy file (it needs at least a tenant)")
			return nil
		}
		yamlError(file, data, err, e)
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		e.add(Pos{File: file, Line: extra.Line, Column: extra.Column}, "a policy file holds one YAML document; found another")
		return nil
	} else if !errors.Is(err, io.EOF) {
		yamlError(file, data, err, e)
		return nil
	}
	if doc.Kind != yaml.DocumentNode || len(doc.Content) != 1 {
		e.add(Pos{File: file, Line: 1, Column: 1}, "empty policy file (it needs at least a tenant)")
		return nil
	}
	return doc.Content[0]
}

// yamlError reports a yaml.v3 error with the best position it allows.
func yamlError(file string, data []byte, err error, e *errs) {
	msg := err.Error()
	if m := yamlAnchorRE.FindStringSubmatch(msg); m != nil {
		// yaml.v3 gives no line for these: find the alias or anchor.
		mark := "*" + m[1]
		if m[1] == "" {
			mark = "&" + m[2]
		}
		e.add(find(file, data, mark), "invalid YAML: %s", strings.TrimPrefix(msg, "yaml: "))
		return
	}
	m := yamlLineRE.FindStringSubmatch(msg)
	if m == nil {
		e.add(Pos{File: file}, "invalid YAML: %s", msg)
		return
	}
	line, _ := strconv.Atoi(m[1]) // "" (no line) gives 0
	switch {
	case parserProblems[m[2]]:
		line++
	case line == 0 && m[1] == "":
		// Not a syntax error with a place: leave the line out.
	case line == 0:
		line = 1
	}
	e.add(Pos{File: file, Line: line}, "invalid YAML: %s", m[2])
}

// find returns the position of the first occurrence of s in data, or the
// file alone if there is none.
func find(file string, data []byte, s string) Pos {
	i := bytes.Index(data, []byte(s))
	if i < 0 {
		return Pos{File: file}
	}
	line := 1 + bytes.Count(data[:i], []byte{'\n'})
	col := 1 + utf8.RuneCount(data[bytes.LastIndexByte(data[:i], '\n')+1:i])
	return Pos{File: file, Line: line, Column: col}
}
