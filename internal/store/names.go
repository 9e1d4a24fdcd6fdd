package store

import (
	"errors"
	"strings"
)

// ModelsDir is the directory (or key segment) holding model files.
const ModelsDir = "models"

// EpochName is the name of the epoch object under the base.
const EpochName = "epoch"

// ModelExt is the extension of model files.
const ModelExt = ".yaml"

// FileName maps a model id to its file name: every "/" becomes "__"
// (sie-config.md §8.1, byte-compatible with upstream).
func FileName(id string) string {
	return strings.ReplaceAll(id, "/", "__") + ModelExt
}

// IsModelFile reports whether a direct child of models/ is listed: it ends in
// ".yaml" and is not a dot-file (which also hides our own temp files).
func IsModelFile(name string) bool {
	return len(name) > len(ModelExt) && strings.HasSuffix(name, ModelExt) &&
		!strings.HasPrefix(name, ".") && !strings.Contains(name, "/")
}

// errBadName is returned for names that would escape models/ or are empty.
var errBadName = errors.New("invalid model file name")

// CheckName rejects a file name that is not a single path element. Ids are
// validated by the caller (§4); this only keeps a bad name from reaching
// outside models/.
func CheckName(name string) error {
	if name == "" || name == "." || name == ".." ||
		strings.ContainsAny(name, "/\\\x00") {
		return errBadName
	}
	return nil
}
