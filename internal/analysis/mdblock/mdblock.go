// Package mdblock replaces generated blocks of a Markdown file: the text
// between "<!-- NAME:begin ... -->" and "<!-- NAME:end -->" lines, so a
// command can keep README sections in step with what it generates and a
// test can tell when they drifted.
package mdblock

import (
	"fmt"
	"os"
	"strings"
)

// markers returns the begin prefix and the end line of block name.
func markers(name string) (begin, end string) {
	return "<!-- " + name + ":begin", "<!-- " + name + ":end -->"
}

// Get returns the content of block name in doc (without the marker lines).
func Get(doc, name string) (string, error) {
	_, content, _, err := split(doc, name)
	return content, err
}

// Replace returns doc with the content of block name replaced by content.
func Replace(doc, name, content string) (string, error) {
	before, _, after, err := split(doc, name)
	if err != nil {
		return "", err
	}
	if content != "" && !strings.HasSuffix(content, "\n") {
		content += "\n"
	}
	return before + content + after, nil
}

// split cuts doc around the block: before ends with the begin marker's
// line, after starts with the end marker.
func split(doc, name string) (before, content, after string, err error) {
	begin, end := markers(name)
	i := strings.Index(doc, begin)
	if i < 0 {
		return "", "", "", fmt.Errorf("no %q line (a block %s…%s)", begin+" -->", begin, end)
	}
	nl := strings.Index(doc[i:], "\n")
	if nl < 0 {
		return "", "", "", fmt.Errorf("%s: the begin marker ends the file", name)
	}
	start := i + nl + 1
	j := strings.Index(doc[start:], end)
	if j < 0 {
		return "", "", "", fmt.Errorf("no %q after %q", end, begin)
	}
	return doc[:start], doc[start : start+j], doc[start+j:], nil
}

// ReplaceInFile rewrites block name of the file at path; it leaves the
// file untouched when the content is already there.
func ReplaceInFile(path, name, content string) error {
	raw, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := Replace(string(raw), name, content)
	if err != nil {
		return fmt.Errorf("%s: %v", path, err)
	}
	if out == string(raw) {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, []byte(out), info.Mode().Perm())
}
