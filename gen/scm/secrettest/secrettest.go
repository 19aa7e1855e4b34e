// Package secrettest renders a value in every way a program might print or
// log it, so that tests can check that none of them shows a secret: a
// struct of yours that holds an scm.Secret can be checked the same way.
package secrettest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"reflect"
)

// Verbs are the fmt verbs Forms applies.
var Verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d"}

// Forms returns v rendered under each of Verbs (of v, of a pointer to v, and
// of v held in an exported field of another struct and in a slice), by
// json.Marshal, and by log/slog's text and JSON handlers (as an attribute and
// as a group), keyed by a name for the form. A rendering that fails is
// reported as the form's text, so that it cannot pass unseen.
func Forms(v any) map[string]string {
	out := map[string]string{}
	wrapped := struct{ Held any }{v}
	ptr := reflect.New(reflect.TypeOf(v)) // a *T to v's copy, not an *any
	ptr.Elem().Set(reflect.ValueOf(v))
	p := ptr.Interface()
	for _, verb := range Verbs {
		out[verb] = fmt.Sprintf(verb, v)
		out["pointer "+verb] = fmt.Sprintf(verb, p)
		out["in struct "+verb] = fmt.Sprintf(verb, wrapped)
		out["in slice "+verb] = fmt.Sprintf(verb, []any{v})
	}
	out["Sprint"] = fmt.Sprint(v)
	out["Sprintln"] = fmt.Sprintln(v)
	if data, err := json.Marshal(v); err != nil {
		out["json"] = "json.Marshal failed: " + err.Error()
	} else {
		out["json"] = string(data)
	}
	if data, err := json.MarshalIndent(wrapped, "", " "); err != nil {
		out["json in struct"] = "json.Marshal failed: " + err.Error()
	} else {
		out["json in struct"] = string(data)
	}
	for name, newHandler := range map[string]func(*bytes.Buffer) slog.Handler{
		"slog text": func(b *bytes.Buffer) slog.Handler { return slog.NewTextHandler(b, nil) },
		"slog json": func(b *bytes.Buffer) slog.Handler { return slog.NewJSONHandler(b, nil) },
	} {
		var b bytes.Buffer
		logger := slog.New(newHandler(&b))
		logger.Info("value", "v", v)
		logger.Info("group", slog.Group("g", "v", v))
		logger.Info("pointer", "v", p)
		out[name] = b.String()
	}
	return out
}
