package strictjson

import "encoding/json"

func validJSON(data []byte) bool { return json.Valid(data) }
