package propcheck

// The constructs' props helpers: applying a default to an optional prop and
// reading lists of optional strings. One set for every construct, so that
// "unset" means the same everywhere.

// Or is *v, or def when v is nil: an optional prop with its default applied.
func Or[T any](v *T, def T) T {
	if v == nil {
		return def
	}
	return *v
}

// OrIfZero is v, or def when v is T's zero value: a prop whose unset value
// is its zero, such as an enum string (awscdk.RemovalPolicy "") or a string
// that may be empty.
func OrIfZero[T comparable](v, def T) T {
	var zero T
	if v == zero {
		return def
	}
	return v
}

// Strings are the values of list, nilAs standing for each nil entry (""
// where the list is checked entry by entry, "<nil>" in a message).
func Strings(list []*string, nilAs string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		out[i] = Or(s, nilAs)
	}
	return out
}

// Present are the values of the entries of list that are set, nil entries
// dropped; a nil list is empty.
func Present(list *[]*string) []string {
	if list == nil {
		return nil
	}
	out := make([]string, 0, len(*list))
	for _, s := range *list {
		if s != nil {
			out = append(out, *s)
		}
	}
	return out
}

// Elems are the entries of an optional list (jsii's *[]T); a nil list is
// empty.
func Elems[T any](list *[]T) []T {
	if list == nil {
		return nil
	}
	return *list
}
