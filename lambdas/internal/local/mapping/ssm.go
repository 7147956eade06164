package mapping

import (
	"fmt"
)

var parameterEmulation = emulation{
	service: "SSM parameters", file: "ssm.go",
	reads:   map[string][]string{"AWS::SSM::Parameter": {"Name", "Value"}},
	inert:   map[string][]string{"AWS::SSM::Parameter": {"Type", "Description", "Tier", "DataType", "AllowedPattern", "Tags"}},
	locally: "the handlers read each parameter's Value from the template, by its Name (or, unnamed, the local name its Ref resolves to); a handler's parameter whose Value the local stack cannot resolve is a start-up error",
}

// Parameter is an SSM parameter of the stage.
type Parameter struct {
	Resource *Resource
	// Value is its Value resolved (see [Assembly.Resolve]); Problem says why it could not be, if so.
	Value   string
	Problem error
}

// readParameters reads every SSM parameter of the stage, by the name a Ref to it resolves to (see
// [Locals]). A value that cannot be resolved (the ids of resources the local stack has no
// counterpart for) is kept as a Problem: an error only for a handler that reads it.
func readParameters(a *Assembly) (map[string]Parameter, []string) {
	out := map[string]Parameter{}
	var notes []string
	for _, r := range a.OfType("AWS::SSM::Parameter") {
		p := Parameter{Resource: r}
		var err error
		if p.Value, err = a.Resolve(r, r.Prop("Value"), Locals{}); err != nil {
			p.Problem = &PropertyError{Resource: r, Property: "Value", Problem: err.Error()}
			notes = append(notes, fmt.Sprintf("%s: Value (%v)", r, err))
		}
		out[(Locals{}).Ref(r)] = p
		notes = append(notes, unemulated(r, parameterEmulation.known(r.Type)...)...)
	}
	return out, notes
}
