package policy

import (
	"cmp"
	"fmt"
	"slices"
	"strings"
)

// Error is one problem in a policy directory, at a position in a file.
type Error struct {
	// Pos is where the problem is. Line and Column are 0 when unknown
	// (e.g. a file that cannot be read).
	Pos Pos
	// Reason says what is wrong, in lower case.
	Reason string
}

// Error formats the problem as "file:line:col: reason".
func (e Error) Error() string { return e.Pos.String() + ": " + e.Reason }

// ErrorList is every problem found in a policy directory, sorted by file,
// line, column and reason. A non-empty ErrorList is an error.
type ErrorList []Error

// Error returns one problem per line.
func (l ErrorList) Error() string {
	var b strings.Builder
	for i, e := range l {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}

// Err returns l as an error, or nil if l is empty.
func (l ErrorList) Err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

// Unwrap returns the problems as errors, for errors.Is and errors.As.
func (l ErrorList) Unwrap() []error {
	out := make([]error, len(l))
	for i, e := range l {
		out[i] = e
	}
	return out
}

func comparePos(a, b Pos) int {
	return cmp.Or(strings.Compare(a.File, b.File), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column))
}

// sort orders the list and removes exact duplicates.
func (l ErrorList) sort() ErrorList {
	slices.SortFunc(l, func(a, b Error) int {
		return cmp.Or(comparePos(a.Pos, b.Pos), strings.Compare(a.Reason, b.Reason))
	})
	return slices.Compact(l)
}

// errs collects problems.
type errs struct{ list ErrorList }

func (e *errs) add(p Pos, format string, args ...any) {
	e.list = append(e.list, Error{Pos: p, Reason: fmt.Sprintf(format, args...)})
}
