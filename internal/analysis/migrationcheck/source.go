package migrationcheck

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	pg "github.com/pganalyze/pg_query_go/v6"
	"github.com/pganalyze/pg_query_go/v6/parser"
)

// migration is one goose SQL file, split into its sections and parsed.
type migration struct {
	name     string
	noTx     bool      // -- +goose NO TRANSACTION
	up, down *section  // down is nil when the file has no Down section
	fileNote []*note   // annotations above -- +goose Up: they cover the whole file
	errs     []Finding // syntax and goose-split problems
	lines    []string  // the file's lines (CRLF read as LF)
	blocks   [][2]int  // 1-based line ranges of StatementBegin … StatementEnd
}

// section is the Up or the Down part of a migration. Its text keeps the
// file's line numbers: lines outside the section are blank.
type section struct {
	text  string
	lines lineIndex
	stmts []*statement
}

// statement is one SQL statement as PostgreSQL parses it.
type statement struct {
	node       *pg.Node
	line       int    // line of its first token
	start, end int    // byte offsets in the section text: first token, terminating ';' (or end)
	text       string // the statement as written, on one line, for a finding
	notes      []*note
}

// note is one `-- stratus:allow <rule>: <reason>` annotation.
type note struct {
	line         int
	rule, reason string
	used         bool
}

const allowPrefix = "stratus:allow"

// parseMigration reads one goose file. Problems that stop the analysis of a
// section (a goose format error, a syntax error) are in m.errs; the section
// is then nil.
func parseMigration(name, content string) *migration {
	content = strings.ReplaceAll(content, "\r\n", "\n")
	m := &migration{name: name, lines: strings.Split(content, "\n")}
	upLine, downLine, ok := m.gooseLayout()
	if !ok {
		return m
	}
	end := len(m.lines)
	if downLine > 0 {
		end = downLine - 1
	}
	m.up = m.parseSection(strings.Join(m.lines[:end], "\n"), upLine)
	if downLine > 0 {
		text := strings.Repeat("\n", downLine-1) + strings.Join(m.lines[downLine-1:], "\n")
		m.down = m.parseSection(text, 0)
	}
	return m
}

func (m *migration) fail(line int, what, consequence string) {
	m.errs = append(m.errs, Finding{File: m.name, Line: line, Rule: RuleSyntax, What: what, Consequence: consequence})
}

// gooseLayout reads the goose annotations the way goose's own parser does
// (internal/sqlparser of github.com/pressly/goose/v3): a line that starts
// with "--" and contains "+goose" is an annotation. It returns the 1-based
// lines of -- +goose Up and -- +goose Down (0: none).
func (m *migration) gooseLayout() (upLine, downLine int, ok bool) {
	const why = "goose refuses the file"
	begin := 0
	for i, line := range m.lines {
		n := i + 1
		trimmed := strings.TrimSpace(line)
		if !strings.HasPrefix(trimmed, "--") || !strings.Contains(line, "+goose") {
			if upLine == 0 && trimmed != "" && !strings.HasPrefix(trimmed, "--") {
				m.fail(n, "SQL before '-- +goose Up'", why)
				return 0, 0, false
			}
			continue
		}
		if strings.TrimLeft(line, " \t") != line {
			m.fail(n, fmt.Sprintf("goose annotation %q is indented", trimmed), why)
			return 0, 0, false
		}
		cmd := strings.TrimSpace(strings.Replace(strings.ReplaceAll(line, "--", ""), "+goose", "", 1))
		switch strings.ToUpper(cmd) {
		case "UP":
			if upLine != 0 {
				m.fail(n, "a second '-- +goose Up'", why)
				return 0, 0, false
			}
			upLine = n
		case "DOWN":
			switch {
			case upLine == 0:
				m.fail(n, "'-- +goose Down' before '-- +goose Up'", why)
			case downLine != 0:
				m.fail(n, "a second '-- +goose Down'", why)
			case begin != 0:
				m.fail(n, "'-- +goose Down' inside StatementBegin … StatementEnd", why)
			default:
				downLine = n
				continue
			}
			return 0, 0, false
		case "STATEMENTBEGIN":
			if upLine == 0 || begin != 0 {
				m.fail(n, "'-- +goose StatementBegin' before '-- +goose Up' or inside another StatementBegin", why)
				return 0, 0, false
			}
			begin = n
		case "STATEMENTEND":
			if begin == 0 {
				m.fail(n, "'-- +goose StatementEnd' without StatementBegin", why)
				return 0, 0, false
			}
			m.blocks = append(m.blocks, [2]int{begin, n})
			begin = 0
		case "NO TRANSACTION":
			m.noTx = true
		case "ENVSUB ON", "ENVSUB OFF":
			// The checker would read ${VAR} where goose runs the deploy
			// environment's value: what it approves is not what runs.
			m.fail(n, "'-- +goose ENVSUB' is not supported", "the schema would depend on the deploy environment, which this check cannot see")
			return 0, 0, false
		default:
			m.fail(n, fmt.Sprintf("unknown goose annotation %q", trimmed), why)
			return 0, 0, false
		}
	}
	switch {
	case upLine == 0:
		m.fail(0, "no '-- +goose Up' line", why)
		return 0, 0, false
	case begin != 0:
		m.fail(begin, "'-- +goose StatementBegin' without StatementEnd", why)
		return 0, 0, false
	}
	return upLine, downLine, true
}

// parseSection parses one section with PostgreSQL's parser, finds each
// statement's first token and end, checks that goose splits it where
// PostgreSQL does, and attaches the annotations above it. Annotations above
// headerEnd (the -- +goose Up line) belong to the whole file.
func (m *migration) parseSection(text string, headerEnd int) *section {
	s := &section{text: text}
	tree, err := pg.Parse(text)
	if err != nil {
		m.fail(parseErrorLine(text, err), err.Error(), "PostgreSQL rejects the migration")
		return nil
	}
	scan, err := pg.Scan(text)
	if err != nil {
		m.fail(0, err.Error(), "PostgreSQL rejects the migration")
		return nil
	}
	toks := scan.Tokens
	s.lines = newLineIndex(text)
	next := 0 // statements come in order: each scan starts where the last ended
	for _, raw := range tree.Stmts {
		st := &statement{node: raw.Stmt, start: -1, end: len(text)}
		first := next
		for ; next < len(toks); next++ {
			t := toks[next]
			if int(t.Start) < int(raw.StmtLocation) || isComment(t) {
				continue
			}
			if st.start < 0 {
				st.start = int(t.Start)
			}
			if t.Token == pg.Token_ASCII_59 && int(t.Start) >= int(raw.StmtLocation+raw.StmtLen) {
				st.end = int(t.Start)
				next++
				break
			}
		}
		if st.start < 0 {
			continue
		}
		st.line = s.lines.at(st.start)
		st.text = display(text, toks[first:next], st.start, st.end)
		if st.end == len(text) {
			m.fail(st.line, "statement without a terminating ';'", "goose refuses the file")
		}
		m.checkGooseSplit(st, s.lines.at(st.end))
		s.stmts = append(s.stmts, st)
	}
	m.attachNotes(s, toks, headerEnd)
	return s
}

// checkGooseSplit reports a line inside st that goose would take as the end
// of a statement: it would send PostgreSQL half a statement.
func (m *migration) checkGooseSplit(st *statement, last int) {
	for n := st.line; n < last; n++ {
		if m.inBlock(n) || !gooseEndsStatement(m.lines[n-1]) {
			continue
		}
		m.errs = append(m.errs, Finding{File: m.name, Line: n, Rule: RuleGooseSplit,
			What:        "goose ends a statement at this line's ';', PostgreSQL does not",
			Consequence: "goose sends half a statement and the migration fails: put -- +goose StatementBegin / -- +goose StatementEnd around it"})
		return
	}
}

func (m *migration) inBlock(line int) bool {
	for _, b := range m.blocks {
		if line > b[0] && line < b[1] {
			return true
		}
	}
	return false
}

// gooseEndsStatement is goose's endsWithSemicolon: the last word before a
// "--" word ends with ';'.
func gooseEndsStatement(line string) bool {
	prev := ""
	for _, w := range strings.Fields(line) {
		if strings.HasPrefix(w, "--") {
			break
		}
		prev = w
	}
	return strings.HasSuffix(prev, ";")
}

// attachNotes reads the stratus:allow comments of a section: those above
// the header end cover the file, the others the statement right below them.
func (m *migration) attachNotes(s *section, toks []*pg.ScanToken, headerEnd int) {
	for _, t := range toks {
		if t.Token != pg.Token_SQL_COMMENT {
			continue
		}
		body := strings.TrimSpace(strings.TrimPrefix(s.text[t.Start:t.End], "--"))
		if !strings.HasPrefix(body, "stratus:") {
			continue
		}
		line := s.lines.at(int(t.Start))
		lineStart := strings.LastIndexByte(s.text[:t.Start], '\n') + 1
		if strings.TrimSpace(s.text[lineStart:t.Start]) != "" {
			m.noteError(line, body, "it follows SQL on its line: put it on its own line directly above the statement")
			continue
		}
		n, problem := parseNote(line, body)
		if problem != "" {
			m.noteError(line, body, problem)
			continue
		}
		if line < headerEnd {
			m.fileNote = append(m.fileNote, n)
			continue
		}
		if st, problem := s.statementBelow(int(t.Start)); problem != "" {
			m.noteError(line, body, problem)
		} else {
			st.notes = append(st.notes, n)
		}
	}
}

// statementBelow finds the statement an annotation at offset off stands
// directly above: no blank line between them.
func (s *section) statementBelow(off int) (*statement, string) {
	for _, st := range s.stmts {
		if off > st.start && off < st.end {
			return nil, "it is inside a statement: put it on its own line directly above the statement"
		}
		if st.start < off {
			continue
		}
		lines := strings.Split(s.text[off:st.start], "\n")
		for _, l := range lines[1 : len(lines)-1] {
			if strings.TrimSpace(l) == "" {
				return nil, fmt.Sprintf("a blank line separates it from the statement on line %d: put it directly above", st.line)
			}
		}
		return st, ""
	}
	return nil, "no statement follows it in its section"
}

// parseNote reads "stratus:allow <rule>: <reason>".
func parseNote(line int, body string) (*note, string) {
	rest, ok := strings.CutPrefix(body, allowPrefix)
	if !ok || (rest != "" && rest[0] != ' ' && rest[0] != '\t') {
		return nil, "unknown annotation: write -- stratus:allow <rule>: <reason>"
	}
	rule, reason, found := strings.Cut(strings.TrimSpace(rest), ":")
	rule, reason = strings.TrimSpace(rule), strings.TrimSpace(reason)
	info, known := rules[rule]
	switch {
	case rule == "":
		return nil, "it names no rule: write -- stratus:allow <rule>: <reason>"
	case !known:
		return nil, fmt.Sprintf("unknown rule %q (rules: %s)", rule, strings.Join(allowableIDs(), ", "))
	case !info.Allowable:
		return nil, fmt.Sprintf("rule %q cannot be acknowledged: fix the migration", rule)
	case !found || reason == "":
		return nil, fmt.Sprintf("it gives no reason: write -- stratus:allow %s: <why this is safe>", rule)
	}
	return &note{line: line, rule: rule, reason: reason}, ""
}

func (m *migration) noteError(line int, body, problem string) {
	m.errs = append(m.errs, Finding{File: m.name, Line: line, Rule: RuleAnnotation, What: "-- " + body, Consequence: problem})
}

func allowableIDs() []string {
	var out []string
	for _, id := range RuleIDs() {
		if rules[id].Allowable {
			out = append(out, id)
		}
	}
	return out
}

func isComment(t *pg.ScanToken) bool {
	return t.Token == pg.Token_SQL_COMMENT || t.Token == pg.Token_C_COMMENT
}

// display is text[start:end] without comments, on one line, cut to a
// readable length.
func display(text string, toks []*pg.ScanToken, start, end int) string {
	var b strings.Builder
	pos := start
	for _, t := range toks {
		if int(t.Start) < start || int(t.Start) >= end || !isComment(t) {
			continue
		}
		b.WriteString(text[pos:t.Start])
		b.WriteByte(' ')
		pos = int(t.End)
	}
	b.WriteString(text[pos:end])
	return shorten(strings.Join(strings.Fields(b.String()), " "))
}

func shorten(s string) string {
	const max = 160
	if r := []rune(s); len(r) > max {
		return string(r[:max]) + "…"
	}
	return s
}

// lineIndex holds the offsets of a text's newlines, to find a line fast.
type lineIndex []int

func newLineIndex(text string) lineIndex {
	var li lineIndex
	for i := 0; i < len(text); i++ {
		if text[i] == '\n' {
			li = append(li, i)
		}
	}
	return li
}

// at is the 1-based line of byte offset off: one more than the newlines before it.
func (li lineIndex) at(off int) int { return sort.SearchInts(li, off) + 1 }

// lineAt is the 1-based line of byte offset off.
func lineAt(text string, off int) int {
	if off > len(text) {
		off = len(text)
	}
	return strings.Count(text[:off], "\n") + 1
}

// parseErrorLine is the line of a parser error's cursor position (1-based
// byte offset in the text; 0 when PostgreSQL gives none).
func parseErrorLine(text string, err error) int {
	var pe *parser.Error
	if !errors.As(err, &pe) || pe.Cursorpos <= 0 {
		return 0
	}
	return lineAt(text, pe.Cursorpos-1)
}
