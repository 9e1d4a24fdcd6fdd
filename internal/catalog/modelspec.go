package catalog

import "strings"

// Model-spec messages (sie-config.md §5.7).
const (
	MsgSpecEmpty       = "model_spec must not be empty"
	MsgSpecEmptyBundle = "Bundle part of model_spec must not be empty"
	MsgSpecEmptyModel  = "Model part of model_spec must not be empty"
)

// ParseModelSpec splits "[bundle:/]model". The bundle prefix is lower-cased;
// a ":variant" suffix without ":/" stays part of the model name. On failure
// it returns the client-facing message.
func ParseModelSpec(spec string) (bundle, model, errMsg string) {
	if strings.TrimSpace(spec) == "" {
		return "", "", MsgSpecEmpty
	}
	i := strings.Index(spec, ":/")
	if i < 0 {
		return "", spec, ""
	}
	bundle, model = strings.ToLower(spec[:i]), spec[i+2:]
	if bundle == "" {
		return "", "", MsgSpecEmptyBundle
	}
	if model == "" {
		return "", "", MsgSpecEmptyModel
	}
	return bundle, model, ""
}
